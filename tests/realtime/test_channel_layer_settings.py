"""The channel layer's Redis reads must outlast channels-redis' 5 s blocking pop; a setting that
would drop idle sockets again stops the process at start, with the reason."""

from tests.python import python_run

SETUP = "import django; django.setup()"


def test_a_read_timeout_of_five_seconds_or_less_is_refused_with_the_reason():
    refused = python_run(SETUP, CHANNEL_LAYER_SOCKET_TIMEOUT="5")
    assert refused.returncode != 0
    assert "CHANNEL_LAYER_SOCKET_TIMEOUT must be more than 5" in refused.stderr
    assert python_run(SETUP, CHANNEL_LAYER_SOCKET_TIMEOUT="12").returncode == 0
