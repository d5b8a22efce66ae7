"""A cancelled socket ends, even when Python 3.11 swallowed the cancellation on the way.

`asyncio.wait_for` on Python 3.11 returns instead of raising when its task is cancelled just as
the awaited operation completes, and redis-py writes every command through it. These tests
cancel a task at exactly that moment, through the real libraries, and expect it to end: before
the fix (ems/realtime/layer.py) the channel layer's receive polled Redis for ever, so a test's
event loop never closed (one CI run hung for its whole budget).
"""

import asyncio

import pytest
from channels.layers import get_channel_layer
from redis.asyncio.connection import Connection

from tests.sockets import TIMEOUT, async_test, communicator

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "chat"])


def cancel_as_a_command_completes(monkeypatch, victim, *, sent_by: bytes):
    """Cancel the task `victim()` once, right after it wrote a Redis command (one containing
    `sent_by`): Python 3.11's `wait_for` around that write then swallows the cancellation."""
    original = Connection._send_packed_command
    fired = []

    async def send_then_cancel(connection, command):
        await original(connection, command)
        if fired or sent_by not in b"".join(command):
            return
        task = victim()
        # Only a task of this loop: the monitoring's alert-push thread has a loop of its own.
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            fired.append(task)
            task.cancel()

    monkeypatch.setattr(Connection, "_send_packed_command", send_then_cancel)
    return fired


@async_test
async def test_a_receive_cancelled_as_its_command_completes_still_ends(monkeypatch):
    layer = get_channel_layer()
    layer.brpop_timeout = 2  # the layer notices between two blocking pops
    channel = await layer.new_channel()
    receiving: list[asyncio.Task] = []
    fired = cancel_as_a_command_completes(
        monkeypatch, lambda: receiving[0] if receiving else None, sent_by=b"BZPOPMIN"
    )
    receiving.append(asyncio.ensure_future(layer.receive(channel)))

    for _ in range(500):
        if fired:
            break
        await asyncio.sleep(0.01)
    assert fired, "the cancellation was never sent"
    await asyncio.sleep(0.05)
    # The cancellation was swallowed: the task is waiting on its blocking pop.
    assert not receiving[0].done()
    done, _ = await asyncio.wait(receiving, timeout=layer.brpop_timeout + 3)
    assert done, "the receive went on polling Redis after its cancellation"
    assert receiving[0].cancelled()


@async_test
async def test_a_consumer_cancelled_during_its_redis_calls_ends_after_that_handler(
    monkeypatch, token_a
):
    socket = communicator("/ws/notifications/", protocols=["ems.jwt", token_a])
    # Joining a group is a ZADD to the group's key; only the consumer's own task sends one.
    fired = cancel_as_a_command_completes(
        monkeypatch, lambda: socket.future, sent_by=b"asgi:group:"
    )

    connected, _ = await socket.connect(timeout=TIMEOUT)
    # Cancelled while joining its groups, the consumer went on and accepted the socket...
    assert fired
    assert connected
    # ...and ends once that handler returns, instead of waiting for frames for ever.
    done, _ = await asyncio.wait([socket.future], timeout=TIMEOUT)
    assert done, "the consumer outlived its cancellation"
    assert socket.future.cancelled()
