"""A real Celery worker for tests: a thread consuming from real Redis, using the test databases.

Tests that use it must be transactional (`django_db(transaction=True)`): the worker's thread has
its own database connections and sees only committed rows.
"""

import contextlib
import time
from collections.abc import Callable, Iterator

from celery.contrib.testing.worker import start_worker

from apps.monitoring import wakeups
from ems.celery import app
from ems.events import DEVICES_QUEUE, EVENTS_QUEUE, NOTIFICATIONS_QUEUE, READINGS_QUEUE

ALL_QUEUES = (READINGS_QUEUE, EVENTS_QUEUE, DEVICES_QUEUE, NOTIFICATIONS_QUEUE)


@contextlib.contextmanager
def celery_worker(*queues: str) -> Iterator[None]:
    """Consume the named queues (default: all of them) until the block ends."""
    # Tasks left in the queue by an earlier test would otherwise be consumed here.
    with app.connection_for_write() as connection:
        for queue in queues or ALL_QUEUES:
            connection.default_channel.queue_purge(queue)
    # A wake-up of the inbox just purged must not keep the next ones from being sent.
    wakeups.drain_started()
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=list(queues or ALL_QUEUES),
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        yield


# Nothing listens on port 1: a connection is refused at once, as when Redis is down.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _use_broker(url: str) -> None:
    """Point the Celery app at `url`: its pools of connections and producers are made anew.

    They are not closed: kombu keeps one pool per broker URL process-wide and hands the same one
    back when the URL is restored.
    """
    app.conf.update(CELERY_BROKER_URL=url)
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable() -> Iterator[None]:
    """Within the block every publish finds the broker down; restored after, even on failure.

    Do not run a `celery_worker` inside the block: it would connect to the unreachable broker.
    """
    reachable = app.conf.broker_url
    _use_broker(UNREACHABLE_BROKER)
    try:
        yield
    finally:
        _use_broker(reachable)


def wait_until(condition: Callable[[], bool], *, timeout: float = 15.0, step: float = 0.05) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
