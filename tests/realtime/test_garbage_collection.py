"""Daphne's garbage collection: young collections rarer than CPython's default, so full ones do
not stall a loop with 1,000 sockets every few seconds; long collections can be logged."""

from tests.python import python_run

SCRIPT = (
    "import gc, logging; logging.basicConfig(); import ems.asgi; "
    "print(gc.get_threshold()); gc.collect()"
)


def _asgi_process(**variables):
    finished = python_run(SCRIPT, **variables)
    assert finished.returncode == 0, finished.stderr
    return finished


def test_the_asgi_process_collects_its_youngest_generation_every_50000_allocations():
    assert _asgi_process().stdout.splitlines()[0] == "(50000, 10, 10)"
    assert _asgi_process(EMS_GC_YOUNG_THRESHOLD="0").stdout.splitlines()[0] == "(700, 10, 10)"


def test_a_long_collection_is_logged_when_asked():
    quiet = _asgi_process()
    assert "held the event loop" not in quiet.stderr
    logged = _asgi_process(EMS_LOG_GC_PAUSES_MS="0.001")
    assert "garbage collection of generation 2 held the event loop" in logged.stderr
