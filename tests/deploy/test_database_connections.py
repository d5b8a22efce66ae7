"""Deployed processes under load hold a bounded number of database connections.

Under ASGI every HTTP request runs its view in a thread of its own; persistent connections are
kept per thread, so without a pool each request left one more connection open until PostgreSQL
refused new clients. The process runs with the production settings' connection behaviour.
"""

import datetime as dt
import secrets
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.conf import settings

from apps.monitoring.models import Reading
from apps.monitoring.projection import device_projection_apply
from apps.monitoring.services import readings_enqueue
from ems.celery import app
from ems.events import READINGS_QUEUE
from tests.workers import wait_until

from .processes import daphne, free_port, start_process

POOL_MAX_SIZE = 4
CONCURRENT_CLIENTS = 32
ROUNDS = 3


def production_environment() -> dict[str, str]:
    """Production settings, on the test databases (the role's) and the suite's Redis."""
    return {
        "DJANGO_SETTINGS_MODULE": "ems.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_POOL_MAX_SIZE": str(POOL_MAX_SIZE),
        **dict.fromkeys(
            ("REDIS_URL", "CELERY_BROKER_URL", "CHANNEL_LAYER_REDIS_URL", "CACHE_REDIS_URL"),
            settings.REDIS_URL,
        ),
    }


class ConnectionCounter:
    """Samples how many server connections a database has, from a maintenance connection."""

    def __init__(self, database_name: str):
        self.database_name = database_name
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def count(self) -> int:
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as connection:
            return self._count(connection)

    def _count(self, connection) -> int:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        return connection.execute(query, [self.database_name]).fetchone()[0]

    def _sample(self) -> None:
        with psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            while not self._stop.is_set():
                self.peak = max(self.peak, self._count(connection))
                time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


@pytest.fixture
def realtime_on_production_settings(tmp_path):
    """The realtime role (daphne, chat database) with the production connection behaviour."""
    port = free_port()
    process = start_process(
        "realtime",
        daphne(port),
        reachable=["chat"],
        log_path=tmp_path / "daphne.log",
        port=port,
        environment=production_environment(),
    )
    try:
        process.wait_until_answering("/healthz")
        yield process
    finally:
        process.stop()
        print(f"----- daphne output -----\n{process.log()}")


@pytest.mark.django_db(transaction=True, databases=["chat"])
def test_it_keeps_daphne_within_its_pool_under_concurrent_requests(
    realtime_on_production_settings,
):
    daphne_process = realtime_on_production_settings
    counter = ConnectionCounter(settings.DATABASES["chat"]["NAME"])
    before = counter.count()

    # /readyz runs a query on the process's database on every request.
    def ready(_):
        return daphne_process.request("GET", "/readyz").status

    with counter, ThreadPoolExecutor(CONCURRENT_CLIENTS) as clients:
        for _ in range(ROUNDS):
            statuses = list(clients.map(ready, range(CONCURRENT_CLIENTS)))
            assert statuses == [200] * CONCURRENT_CLIENTS
    after = counter.count()

    # The suite's own connection to the database, if it has one, is in `before`; one more for
    # a connection the pool is replacing at the moment of sampling.
    assert counter.peak - before <= POOL_MAX_SIZE + 1, (before, counter.peak, after)
    assert after - before <= POOL_MAX_SIZE, (before, counter.peak, after)


def prefork_worker(concurrency: int) -> list[str]:
    """A readings worker as deployed: prefork children, forked after the parent started."""
    return [
        *(sys.executable, "-m", "celery", "-A", "ems", "worker", "--queues", READINGS_QUEUE),
        *("--pool", "prefork", "--concurrency", str(concurrency), "--loglevel", "INFO"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        *("--hostname", f"pool-{uuid.uuid4().hex[:8]}@%h"),
    ]


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_it_gives_each_prefork_child_a_pool_of_its_own_and_one_connection(tmp_path):
    children = 2
    device = uuid.uuid4()
    device_projection_apply(
        event={
            "device_id": str(device),
            "version": 1,
            "owner_id": None,
            "max_hourly_kwh": "100",
            "meter_kind": "index",
            "description": "pooled meter",
        }
    )
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(READINGS_QUEUE)
    counter = ConnectionCounter(settings.DATABASES["monitoring"]["NAME"])
    before = counter.count()
    worker = start_process(
        "worker",
        prefork_worker(children),
        reachable=["monitoring"],
        log_path=tmp_path / "worker.log",
        environment=production_environment(),
    )
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=1)
    batches = 12
    try:
        with counter:
            # One reading per batch, so the children take turns and each opens its pool.
            for index in range(batches):
                timestamp = start + dt.timedelta(minutes=10 * index)
                readings_enqueue(
                    readings=[
                        {
                            "device_id": str(device),
                            "timestamp": timestamp.isoformat(),
                            "measurement_value": index,
                        }
                    ]
                )
            stored = wait_until(
                lambda: (
                    Reading.objects.using("monitoring").filter(device_id=device).count() == batches
                ),
                timeout=60,
                step=0.2,
            )
        assert stored, worker.log()
        # A child runs one task at a time: it never needs a second connection, and the
        # parent, which forks them, holds none (a pool inherited across fork would be shared).
        assert counter.peak - before <= children, (before, counter.peak, worker.log())
    finally:
        worker.stop()
