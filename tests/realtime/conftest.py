"""Fixtures of the realtime tests: a clean channel layer per test, tokens of the root users."""

import pytest

from tests.sockets import access_token, fresh_channel_layer  # noqa: F401


@pytest.fixture
def token_a(client_a):
    return access_token(client_a)


@pytest.fixture
def token_b(client_b):
    return access_token(client_b)


@pytest.fixture
def token_admin(admin):
    return access_token(admin)
