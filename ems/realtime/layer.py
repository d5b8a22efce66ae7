"""The channel layer: channels-redis, made to honour a cancellation that was swallowed on the way.

On Python 3.11, `asyncio.wait_for` returns the result instead of raising when its task is
cancelled just as the awaited operation completes (CPython gh-86296; 3.12 rewrote it on
`asyncio.timeout`). redis-py sends every command through `wait_for` once a socket timeout is
set, so a socket's consumer cancelled at that moment (by daphne after the client left, or at
the end of a test) carries on: its channel-layer `receive` loops on Redis every 5 s for ever
and the consumer never ends. It happened about once in 200 closed sockets under test
(docs/realtime.md, "Cancellation").

A task whose cancellation was swallowed is still `cancelling()` (nothing called `uncancel()`),
so the layer checks before each blocking pop of `receive` (the step channels-redis repeats every
`brpop_timeout`, 5 s) and raises the cancellation there: such a consumer ends within 5 s.
"""

import asyncio

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer


def raise_if_cancelling() -> None:
    """Raise CancelledError if the current task was asked to cancel and has not stopped."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError()


class RedisChannelLayer(_RedisChannelLayer):
    async def _brpop_with_clean(self, index, channel, timeout):
        # channels-redis 4.3's one pop (restore the backup, then BZPOPMIN), which its
        # `receive_single` repeats until a message comes; a test pins that this is still so.
        raise_if_cancelling()
        return await super()._brpop_with_clean(index, channel, timeout)
