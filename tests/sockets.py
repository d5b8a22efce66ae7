"""Helpers for WebSocket tests: sockets against the real ASGI application and real Redis.

Tests are plain (synchronous) pytest functions wrapped by `async_test`: asgiref runs the body
on an event loop while database calls (`database_sync_to_async`) come back to the test's own
thread, so they share its database connections. Mark them `django_db(transaction=True)`: the
services' on_commit pushes need real commits.
"""

import contextlib
import functools
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.users.tokens import token_pair_for
from ems.asgi import application

ORIGIN = b"http://localhost"
# Every wait is bounded; a frame that should arrive arrives within milliseconds.
TIMEOUT = 2


def async_test(function):
    """Run an `async def` test body from a synchronous test (fixtures work as usual)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return async_to_sync(function)(*args, **kwargs)

    return wrapper


def access_token(user, *, lifetime: timedelta | None = None) -> str:
    """The user's access token as sign-in issues it, optionally with another lifetime."""
    token = AccessToken(token_pair_for(user)["access"])
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A channel layer for this test's event loop, with no groups left from earlier tests."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for key in client.scan_iter("asgi*"):
            client.delete(key)
    finally:
        client.close()
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def communicator(path: str, *, protocols=None, origin: bytes | None = ORIGIN):
    headers = [(b"origin", origin)] if origin else []
    return WebsocketCommunicator(application, path, headers=headers, subprotocols=protocols)


@contextlib.asynccontextmanager
async def open_socket(path: str, token: str) -> AsyncIterator[WebsocketCommunicator]:
    """A socket signed in with a JWT; closed when the block ends."""
    socket = communicator(path, protocols=["ems.jwt", token])
    connected, protocol = await socket.connect(timeout=TIMEOUT)
    assert connected, f"socket refused: {protocol}"
    assert protocol == "ems.jwt"
    try:
        yield socket
    finally:
        await socket.disconnect(timeout=TIMEOUT)


async def receive(socket: WebsocketCommunicator) -> dict:
    return await socket.receive_json_from(timeout=TIMEOUT)


async def receive_close(
    socket: WebsocketCommunicator, *, timeout: float = TIMEOUT
) -> tuple[list[dict], int | None]:
    """The frames sent before the server closed the socket, and the close code."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return frames, output.get("code")
        frames.append(json.loads(output["text"]))


async def nothing_more(socket: WebsocketCommunicator) -> bool:
    """True if no frame arrives in a short while (for things that must not be delivered)."""
    return await socket.receive_nothing(timeout=0.2)


async def call(function, *args, **kwargs):
    """A synchronous call (REST client, service) from a test body, on the test's thread."""
    return await sync_to_async(function)(*args, **kwargs)


@pytest.fixture
def token_a(client_a):
    return access_token(client_a)


@pytest.fixture
def token_b(client_b):
    return access_token(client_b)


@pytest.fixture
def token_admin(admin):
    return access_token(admin)
