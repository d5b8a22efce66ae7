"""How many times a worker took an inbox batch without finishing it: a batch that kills every
worker that takes it must not block its meters for ever.

Counted in Redis (a worker that dies cannot write anything afterwards, and the batch's row is
locked by the dying transaction): incremented when a worker takes the batch, forgotten when it
commits or fails for a reason that is not the batch's. Best effort: without Redis, the count
is 1 and ingestion goes on.
"""

import logging

import redis

from .wakeups import broker_redis

logger = logging.getLogger(__name__)

_EXPIRY_SECONDS = 86400


def redis_key(name: str) -> str:
    return f"monitoring:attempts:{name}"


def start(name: str) -> int:
    """Count one more attempt at `name`; returns the attempts so far, this one included."""
    counts = start_many([name])
    return 1 if counts is None else counts[0]


def start_many(names: list[str]) -> list[int] | None:
    """`start` for each name, in one round trip; None if Redis could not count them."""
    try:
        with broker_redis().pipeline() as pipeline:
            for name in names:
                pipeline.incr(redis_key(name))
                pipeline.expire(redis_key(name), _EXPIRY_SECONDS)
            replies = pipeline.execute()
    except redis.RedisError as error:
        logger.warning("attempts of %s not counted (%r)", names, error)
        return None
    return [int(count) for count in replies[::2]]


def undo_many(names: list[str]) -> None:
    """Take back the attempt `start` just counted (a batch held but not worked on)."""
    if not names:
        return
    try:
        with broker_redis().pipeline() as pipeline:
            for name in names:
                pipeline.decr(redis_key(name))
            pipeline.execute()
    except redis.RedisError as error:
        logger.warning("attempts of %s not taken back (%r)", names, error)


def forget(name: str) -> None:
    forget_many([name])


def forget_many(names: list[str]) -> None:
    if not names:
        return
    try:
        broker_redis().delete(*(redis_key(name) for name in names))
    except redis.RedisError as error:
        logger.warning("attempts of %s not forgotten (%r)", names, error)
