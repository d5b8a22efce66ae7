"""A worker killed with SIGKILL in the middle of a batch: nothing lost, nothing doubled.

The worker is a real `celery -A ems worker` subprocess on the test database. A test-only setting
makes each batch pg_sleep inside its transaction after inserting the readings, so the test can see
(in pg_stat_activity) that the batch is half done, and kill there:
- the pool process: Celery (acks_late, reject_on_worker_lost) puts the message back at once and
  the restarted pool process ingests it;
- the whole worker (master and pool): the message stays unacknowledged in Redis; a new worker
  started after the visibility timeout restores and ingests it.
"""

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
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
def worker_subprocess(**extra_environment):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ems.settings.test",
        "MONITORING_DATABASE_URL": _database_url("monitoring"),
        "MONITORING_TEST_INGEST_DELAY_SECONDS": "2",
        **extra_environment,
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
        if process.poll() is None:
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


@pytest.fixture
def batch_and_reference(day):
    """A day of readings for a fresh device, and the same ingested in-process as the reference."""
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
    batch = [reading(killed, t, v) for t, v in zip(times, values, strict=True)]
    yield killed, reference, batch
    assert int(counter.get(f"monitoring:deliveries:{TASK_ID}:0")) == 2, "not redelivered once"
    assert Reading.objects.using("monitoring").filter(device_id=killed).count() == 144
    assert len(hourly(reference)) == 24


def _publish(batch) -> None:
    app.send_task(
        INGEST_READINGS, kwargs={"readings": batch}, queue=READINGS_QUEUE, task_id=TASK_ID
    )


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_whose_pool_process_is_sigkilled_is_counted_exactly_once(batch_and_reference):
    killed, reference, batch = batch_and_reference
    with worker_subprocess() as worker:
        _publish(batch)
        assert wait_until(_batch_is_sleeping, timeout=60), "the worker never started the batch"
        for child in _pool_children(worker.pid):
            os.kill(child, signal.SIGKILL)
        assert wait_until(lambda: hourly(killed) == hourly(reference), timeout=60)


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_whose_whole_worker_is_sigkilled_is_counted_exactly_once_after_restart(
    batch_and_reference,
):
    killed, reference, batch = batch_and_reference
    visibility = {"CELERY_VISIBILITY_TIMEOUT": "2", "MONITORING_TEST_INGEST_DELAY_SECONDS": "1"}
    with worker_subprocess(**visibility) as worker:
        _publish(batch)
        assert wait_until(_batch_is_sleeping, timeout=60), "the worker never started the batch"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert wait_until(lambda: not _batch_is_sleeping(), timeout=10)
    assert hourly(killed) == {}
    # Redis gives an unacknowledged message back once the visibility timeout has passed; a new
    # worker restores such messages when it starts. Nothing to poll for: wait out the timeout.
    time.sleep(2.5)
    with worker_subprocess(**visibility):
        assert wait_until(lambda: hourly(killed) == hourly(reference), timeout=60)
