"""Daphne's garbage collection: young collections rarer than CPython's default, so full ones do
not stall a loop with 1,000 sockets every few seconds; long collections can be logged."""

import os
import subprocess
import sys

from tests.paths import REPOSITORY

SCRIPT = (
    "import gc, logging; logging.basicConfig(); import ems.asgi; "
    "print(gc.get_threshold()); gc.collect()"
)


def _asgi_process(**variables) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ems.settings.test", **variables}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", SCRIPT],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def test_the_asgi_process_collects_its_youngest_generation_every_50000_allocations():
    assert _asgi_process().stdout.splitlines()[0] == "(50000, 10, 10)"
    assert _asgi_process(EMS_GC_YOUNG_THRESHOLD="0").stdout.splitlines()[0] == "(700, 10, 10)"


def test_a_long_collection_is_logged_when_asked():
    quiet = _asgi_process()
    assert "held the event loop" not in quiet.stderr
    logged = _asgi_process(EMS_LOG_GC_PAUSES_MS="0.001")
    assert "garbage collection of generation 2 held the event loop" in logged.stderr
