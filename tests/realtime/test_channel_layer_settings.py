"""The channel layer's Redis reads must outlast channels-redis' 5 s blocking pop; a setting that
would drop idle sockets again stops the process at start, with the reason."""

import os
import subprocess
import sys

from tests.paths import REPOSITORY


def _settings_loaded(timeout: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ems.settings.test",
        "CHANNEL_LAYER_SOCKET_TIMEOUT": timeout,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_read_timeout_of_five_seconds_or_less_is_refused_with_the_reason():
    refused = _settings_loaded("5")
    assert refused.returncode != 0
    assert "CHANNEL_LAYER_SOCKET_TIMEOUT must be more than 5" in refused.stderr
    assert _settings_loaded("12").returncode == 0
