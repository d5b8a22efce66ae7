"""The channel layer's Redis reads must outlast channels-redis' 5 s blocking pop; a setting that
would drop idle sockets again stops the process at start, with the reason. A socket that falls
behind keeps what was sent to it."""

import asyncio
import uuid

from channels.layers import get_channel_layer

from tests.python import python_run
from tests.sockets import async_test

SETUP = "import django; django.setup()"


def test_a_read_timeout_of_five_seconds_or_less_is_refused_with_the_reason():
    refused = python_run(SETUP, CHANNEL_LAYER_SOCKET_TIMEOUT="5")
    assert refused.returncode != 0
    assert "CHANNEL_LAYER_SOCKET_TIMEOUT must be more than 5" in refused.stderr
    assert python_run(SETUP, CHANNEL_LAYER_SOCKET_TIMEOUT="12").returncode == 0


@async_test
async def test_a_socket_a_thousand_messages_behind_still_gets_every_one():
    """An administrator's socket gets every alert and chat message; a stall of its process
    must not make the layer drop the newest ones (channels-redis keeps 100 by default)."""
    layer = get_channel_layer()
    group = f"lagging-{uuid.uuid4().hex}"
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    try:
        for number in range(1000):
            await layer.group_send(group, {"type": "alert.created", "number": number})
        received = [
            (await asyncio.wait_for(layer.receive(channel), timeout=5))["number"]
            for _ in range(1000)
        ]
    finally:
        await layer.group_discard(group, channel)
    assert sorted(received) == list(range(1000))
