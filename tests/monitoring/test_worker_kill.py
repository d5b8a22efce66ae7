"""A worker killed in the middle of a batch: nothing lost, nothing doubled, taken again in seconds.

Real `celery -A ems worker` (prefork) and `celery -A ems beat` subprocesses on the test
databases. The test holds the meter's advisory lock, as a concurrent batch of the same meter
would, so the worker stops inside the batch's transaction after it took the batch from the inbox;
then the worker is killed: its pool process, the whole worker, or the whole worker frozen first
(SIGSTOP) as a hung host would be. The batch's row lock goes with the dead worker's connection,
and the next sweep of beat has a live worker ingest it exactly once.
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
from django.db import connections

from apps.monitoring.models import InboxBatch, Reading
from apps.monitoring.services import readings_enqueue, readings_ingest
from ems.celery import app
from ems.events import READINGS_QUEUE
from tests.workers import wait_until

from .conftest import hourly, make_device, reading, sensor_values

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _database_url(alias: str) -> str:
    database = connections[alias].settings_dict
    user, host, port = database["USER"], database["HOST"], database["PORT"]
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


def _environment(**extra: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ems.settings.test",
        "MONITORING_DATABASE_URL": _database_url("monitoring"),
        "MONITORING_INBOX_SWEEP_SECONDS": "1",
        **extra,
    }


@contextlib.contextmanager
def _process(arguments: list[str], **environment: str):
    process = subprocess.Popen(  # noqa: S603 - our own celery, fixed arguments
        [CELERY, "-A", "ems", *arguments, "--loglevel", "WARNING"],
        cwd=ROOT,
        env=_environment(**environment),
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGCONT)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def worker(**environment: str):
    return _process(
        [
            *("worker", "--queues", READINGS_QUEUE, "--pool", "prefork", "--concurrency", "1"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        **environment,
    )


def beat(schedule: Path):
    return _process(["beat", "--schedule", str(schedule)])


def _pool_children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def _worker_waits_inside_the_batch() -> bool:
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return cursor.fetchone()[0] > 0


@contextlib.contextmanager
def meter_locked(device_id):
    """Hold the meter's advisory lock (the one every batch of the meter takes) in this session."""
    key = int.from_bytes(device_id.bytes[:8], "big", signed=True)
    with connections["monitoring"].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connections["monitoring"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@pytest.fixture
def day_of_readings(day):
    """A day of readings of a fresh meter, and the same ingested in-process as the reference."""
    start = day + dt.timedelta(hours=6)
    values = sensor_values(144)
    times = [start + dt.timedelta(minutes=10 * i) for i in range(len(values))]
    killed, reference = make_device(), make_device()
    readings_ingest(
        raw_readings=[reading(reference, t, v) for t, v in zip(times, values, strict=True)]
    )
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(READINGS_QUEUE)
    batch = [reading(killed, t, v) for t, v in zip(times, values, strict=True)]
    yield killed, reference, batch
    assert Reading.objects.using("monitoring").filter(device_id=killed).count() == 144
    assert not InboxBatch.objects.using("monitoring").exists()


def _kill_pool(process) -> None:
    for child in _pool_children(process.pid):
        os.kill(child, signal.SIGKILL)


def _kill_worker(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _freeze_then_kill_worker(process) -> None:
    os.killpg(process.pid, signal.SIGSTOP)
    time.sleep(1)
    _kill_worker(process)


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
@pytest.mark.parametrize("kill", [_kill_pool, _kill_worker, _freeze_then_kill_worker])
def test_a_batch_whose_worker_is_killed_inside_it_is_counted_exactly_once_within_seconds(
    day_of_readings, kill, tmp_path
):
    killed, reference, batch = day_of_readings
    with beat(tmp_path / "beat-schedule"):
        with meter_locked(killed):
            first = worker()
            with first as process:
                readings_enqueue(readings=batch)
                assert wait_until(_worker_waits_inside_the_batch, timeout=60), "never took it"
                kill(process)
                assert hourly(killed) == {}
                released_at = time.monotonic()
        # The pool-killed worker lives on (and took the batch again); the others need a new one.
        with worker():
            assert wait_until(lambda: hourly(killed) == hourly(reference), timeout=30)
            taken_again_after = time.monotonic() - released_at
    assert taken_again_after < 15, f"ingested {taken_again_after:.1f} s after the kill"


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_held_by_a_frozen_worker_goes_back_to_the_others(day_of_readings, tmp_path):
    frozen_meter, reference, batch = day_of_readings
    with (
        beat(tmp_path / "beat-schedule"),
        worker(DATABASE_IDLE_IN_TRANSACTION_SECONDS="2") as first,
    ):
        with meter_locked(frozen_meter):
            readings_enqueue(readings=batch)
            assert wait_until(_worker_waits_inside_the_batch, timeout=60), "never took it"
            # Frozen, never killed: its transaction goes idle once the lock is granted.
            os.killpg(first.pid, signal.SIGSTOP)
        with worker():
            assert wait_until(lambda: hourly(frozen_meter) == hourly(reference), timeout=30)
