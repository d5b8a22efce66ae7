"""Fixtures of the realtime tests: a fresh channel layer per test, the root users' tokens."""

from tests.sockets import fresh_channel_layer, token_a, token_admin, token_b  # noqa: F401
