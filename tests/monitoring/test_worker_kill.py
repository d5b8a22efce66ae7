"""A worker process killed with SIGKILL in the middle of a batch: nothing lost, nothing doubled.

The worker is a real `celery -A ems worker` subprocess on the test database. A test-only setting
makes each batch pg_sleep inside its transaction after inserting the readings, so the test can see
(in pg_stat_activity) that the batch is half done, and kill the pool process there. Celery
(acks_late, reject_on_worker_lost) puts the message back; the restarted pool process ingests it.
"""

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connections

from apps.monitoring.models import Reading
from apps.monitoring.services import INGEST_READINGS, readings_ingest
from ems.celery import app
from ems.events import READINGS_QUEUE
from tests.workers import wait_until

from .conftest import hourly, make_device, reading, sensor_values

ROOT = Path(__file__).resolve().parents[2]
TASK_ID = "sigkill-test-batch"


def _database_url(alias: str) -> str:
    database = settings.DATABASES[alias]
    user, host, port = database["USER"], database["HOST"], database["PORT"]
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


@contextlib.contextmanager
def worker_subprocess():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ems.settings.test",
        "MONITORING_DATABASE_URL": _database_url("monitoring"),
        "MONITORING_TEST_INGEST_DELAY_SECONDS": "2",
    }
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [
            str(celery),
            "-A",
            "ems",
            "worker",
            "--queues",
            READINGS_QUEUE,
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _pool_children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def _batch_is_sleeping() -> bool:
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND query LIKE 'SELECT pg_sleep%%'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_interrupted_by_sigkill_is_counted_exactly_once_after_restart(day):
    start = day + dt.timedelta(hours=6)
    values = sensor_values(144)
    times = [start + dt.timedelta(minutes=10 * i) for i in range(len(values))]
    killed, reference = make_device(), make_device()
    readings_ingest(
        raw_readings=[reading(reference, t, v) for t, v in zip(times, values, strict=True)]
    )
    counter = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    counter.delete(f"monitoring:deliveries:{TASK_ID}:0")
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(READINGS_QUEUE)

    with worker_subprocess() as worker:
        batch = [reading(killed, t, v) for t, v in zip(times, values, strict=True)]
        app.send_task(
            INGEST_READINGS, kwargs={"readings": batch}, queue=READINGS_QUEUE, task_id=TASK_ID
        )
        assert wait_until(_batch_is_sleeping, timeout=60), "the worker never started the batch"
        for child in _pool_children(worker.pid):
            os.kill(child, signal.SIGKILL)
        assert wait_until(lambda: hourly(killed) == hourly(reference), timeout=60)

    assert int(counter.get(f"monitoring:deliveries:{TASK_ID}:0")) == 2
    assert Reading.objects.using("monitoring").filter(device_id=killed).count() == 144
    assert len(hourly(reference)) == 24
