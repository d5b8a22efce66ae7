"""Waking the readings workers when a batch enters the inbox: never blocking, never piling up.

The batch is already committed when this runs, so a wake-up that fails costs at most one sweep
(MONITORING_INBOX_SWEEP_SECONDS). At most one wake-up waits in the queue at a time: a sender
sets a flag in Redis and sends the task only if the flag was not set; a drain clears the flag
as it starts, so a batch committed after that start is followed by a new wake-up.
"""

import logging

import redis

from ems.celery import app as celery_app
from ems.events import READINGS_QUEUE
from ems.publish import PUBLISH_ERRORS

logger = logging.getLogger(__name__)

DRAIN_INBOX = "monitoring.drain_inbox"
_PENDING_KEY = "monitoring:drain-pending"
# A flag older than this is stale (its wake-up was lost, or no worker runs): send another.
_PENDING_SECONDS = 5
_clients: dict[str, redis.Redis] = {}


def broker_redis() -> redis.Redis:
    """A client of the broker's Redis with short timeouts (one per process and URL)."""
    url = celery_app.conf.broker_url
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _clients[url]


def wake() -> None:
    try:
        if not broker_redis().set(_PENDING_KEY, 1, nx=True, ex=_PENDING_SECONDS):
            return  # a wake-up is waiting already; it will find this batch
        # A connection of its own that gives up at once: kombu's pooled producer would keep
        # retrying a broker that is down, and the request that committed the batch would wait.
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=1)
            celery_app.send_task(
                DRAIN_INBOX, queue=READINGS_QUEUE, retry=False, connection=connection
            )
    except (*PUBLISH_ERRORS, redis.RedisError) as error:
        logger.warning("could not wake the readings workers (%r); the sweep will", error)
        _forget_pending()


def drain_started() -> None:
    """Called by a drain before it takes batches: the next batch needs a new wake-up."""
    _forget_pending()


def _forget_pending() -> None:
    try:
        broker_redis().delete(_PENDING_KEY)
    except redis.RedisError as error:
        logger.warning("wake-up flag not cleared (%r)", error)
