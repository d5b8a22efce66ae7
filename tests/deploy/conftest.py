"""Fixtures of the deployment tests: process roles started as real subprocesses."""

from pathlib import Path

import pytest

from .processes import RunningProcess, celery_worker, daphne, free_port, gunicorn, start_process

# The server each HTTP role runs on in production (docker/compose.yaml).
HTTP_SERVERS = {"users": gunicorn, "devices": gunicorn, "monitoring": gunicorn, "realtime": daphne}


def _start(
    role: str, *, reachable: list[str], log_path: Path, queues: tuple[str, ...] = ()
) -> RunningProcess:
    if queues:
        return start_process(role, celery_worker(*queues), reachable=reachable, log_path=log_path)
    port = free_port()
    process = start_process(
        role, HTTP_SERVERS[role](port), reachable=reachable, log_path=log_path, port=port
    )
    try:
        process.wait_until_answering("/healthz")
    except AssertionError:
        process.stop()
        raise
    return process


def _stop(process: RunningProcess) -> None:
    process.stop()
    # Shown by pytest only when a test failed.
    print(f"----- {process.role} output -----\n{process.log()}")


@pytest.fixture
def start_role(tmp_path):
    """Start a role with only the `reachable` database aliases; stopped after the test.

    HTTP roles are returned once /healthz answers; pass `queues` to start a Celery worker instead.
    The test must ask for the reachable aliases with `django_db(transaction=True, ...)`.
    """
    started = []

    def start(role: str, *, reachable: list[str], queues: tuple[str, ...] = ()):
        log_path = tmp_path / f"{role}-{len(started)}.log"
        started.append(_start(role, reachable=reachable, log_path=log_path, queues=queues))
        return started[-1]

    yield start
    for process in started:
        _stop(process)


@pytest.fixture(scope="module")
def users_process(django_db_setup, tmp_path_factory):
    """One users API process for a module's tests (each test still gets a flushed database)."""
    log_path = tmp_path_factory.mktemp("users") / "users.log"
    process = _start("users", reachable=["default"], log_path=log_path)
    yield process
    _stop(process)
