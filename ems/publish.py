"""Sending events to the broker: short retries, and on commit a lost event never fails a request.

An event published on commit follows a change that is already committed: if the broker is
unreachable then, raising would answer 500 for a change that stands. The error is logged with
the payload instead, and the periodic reconciliation (docs/consistency.md) resends the state.
"""

import logging

import kombu.exceptions
import redis.exceptions
from django.db import transaction

from ems.celery import app as celery_app

logger = logging.getLogger(__name__)

# kombu wraps the broker's connection errors (redis ConnectionError, TimeoutError) into its
# OperationalError once the retries are spent; a Redis refusing the write (e.g. out of memory
# with `noeviction`) raises a RedisError, and a socket error may surface as OSError.
PUBLISH_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)
# Three attempts within about 0.4 s (Celery's default is four within 0.6 s): a request whose
# commit is followed by a publish waits at most that long for a broker that is down.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


def event_send(*, name: str, payload: dict, queue: str) -> None:
    """Send the event now; raises one of PUBLISH_ERRORS if the broker cannot take it."""
    for _, error in events_send(name=name, payloads=[payload], queue=queue):
        raise error


def events_send(*, name: str, payloads: list[dict], queue: str) -> list[tuple[dict, Exception]]:
    """Send several events of one kind now; the ones the broker could not take, with the error.

    One producer for the lot (one pool checkout), and each message's `kwargsrepr` (the payload
    as Celery's logs and monitors show it) is the payload's plain repr: Celery's own safe repr,
    in Python, was a fifth of a send. A batch of readings can raise dozens of alerts.
    """
    failed: list[tuple[dict, Exception]] = []
    sent = 0
    try:
        with celery_app.producer_or_acquire() as producer:
            for payload in payloads:
                try:
                    celery_app.send_task(
                        name,
                        kwargs=payload,
                        queue=queue,
                        retry=True,
                        retry_policy=PUBLISH_RETRY_POLICY,
                        producer=producer,
                        argsrepr="()",
                        kwargsrepr=repr(payload)[:1024],
                    )
                except PUBLISH_ERRORS as error:
                    failed.append((payload, error))
                sent += 1
    except PUBLISH_ERRORS as error:  # no producer: none of the rest was tried
        failed += [(payload, error) for payload in payloads[sent:]]
    return failed


def event_publish_on_commit(*, name: str, payload: dict, queue: str, using: str) -> None:
    """Send the event after the `using` transaction commits; a broker failure is only logged."""

    def send() -> None:
        try:
            event_send(name=name, payload=payload, queue=queue)
        except PUBLISH_ERRORS as error:
            # The change is committed and stands; the payload in the log allows a manual replay.
            logger.error("event %s not published (%r); payload=%r", name, error, payload)

    transaction.on_commit(send, using=using)
