"""Fixtures of the deployment tests: process roles started as real subprocesses."""

import pytest

from .processes import celery_worker, daphne, free_port, gunicorn, start_process

# The server each HTTP role runs on in production (docker/compose.yaml).
HTTP_SERVERS = {"users": gunicorn, "devices": gunicorn, "monitoring": gunicorn, "realtime": daphne}


@pytest.fixture
def start_role(tmp_path):
    """Start a role with only the `reachable` database aliases; stopped after the test.

    HTTP roles are returned once /healthz answers; pass `queues` to start a Celery worker instead.
    """
    started = []

    def start(role: str, *, reachable: list[str], queues: tuple[str, ...] = ()):
        log_path = tmp_path / f"{role}-{len(started)}.log"
        if queues:
            process = start_process(
                role, celery_worker(*queues), reachable=reachable, log_path=log_path
            )
            started.append(process)
            return process
        port = free_port()
        process = start_process(
            role, HTTP_SERVERS[role](port), reachable=reachable, log_path=log_path, port=port
        )
        started.append(process)
        process.wait_until_answering("/healthz")
        return process

    yield start
    for process in started:
        process.stop()
        # Shown by pytest only when the test failed.
        print(f"----- {process.role} output -----\n{process.log()}")
