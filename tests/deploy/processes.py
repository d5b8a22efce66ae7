"""Start a process role as a real subprocess that can reach only its own databases.

Every database alias the role may not open points at an address where nothing listens, so any
use of it fails loudly; the role's own aliases point at the TEST databases, which the calling test
must request transactionally (`django_db(transaction=True, databases=[...])`) so the rows the
subprocess commits are visible and cleaned up.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.urls import Resolver404, resolve

from ems.urls import ROUTES

REPOSITORY = Path(__file__).resolve().parents[2]
# Port 1 on the loopback: a connection is refused at once, so a stray use fails fast.
UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:1/nowhere"
DATABASE_URL_VARIABLES = {
    "default": "USERS_DATABASE_URL",
    "devices": "DEVICES_DATABASE_URL",
    "monitoring": "MONITORING_DATABASE_URL",
    "chat": "CHAT_DATABASE_URL",
}
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def url_of_test_database(alias: str) -> str:
    """The URL of the test database of `alias` (pytest-django renamed it when it created it)."""
    database = settings.DATABASES[alias]
    credentials = ""
    if database["USER"]:
        password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
        credentials = f"{quote(database['USER'], safe='')}{password}@"
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}{host}:{port}/{database['NAME']}"


def role_environment(role: str, *, reachable: list[str]) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        DJANGO_SETTINGS_MODULE="ems.settings.test",
        EMS_PROCESS=role,
        PYTHONUNBUFFERED="1",
    )
    for alias, variable in DATABASE_URL_VARIABLES.items():
        environment[variable] = (
            url_of_test_database(alias) if alias in reachable else UNREACHABLE_DATABASE
        )
    return environment


def gunicorn(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "ems.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--graceful-timeout", "5"),
        *("--access-logfile", "-"),
    ]


def daphne(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "ems.asgi:application",
    ]


def celery_worker(*queues: str) -> list[str]:
    return [
        *(sys.executable, "-m", "celery", "-A", "ems", "worker", "--queues", ",".join(queues)),
        *("--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        *("--hostname", f"isolation-{uuid.uuid4().hex[:8]}@%h", "--loglevel", "INFO"),
    ]


@dataclass
class Response:
    status: int
    body: dict = field(default_factory=dict)


@dataclass
class RunningProcess:
    role: str
    popen: subprocess.Popen
    log_path: Path
    port: int | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(
        self, method: str, path: str, body: dict | None = None, *, token: str | None = None
    ) -> Response:
        """One HTTP request to this process; the answer's status and JSON body."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                status, kind, content = (
                    answer.status,
                    answer.headers.get_content_type(),
                    answer.read(),
                )
        except urllib.error.HTTPError as error:
            status, kind, content = error.code, error.headers.get_content_type(), error.read()
        # Pages (for example Django's HTML 404) are kept as text.
        body = json.loads(content) if kind == "application/json" else {"text": content.decode()}
        return Response(status, body)

    def wait_until_answering(self, path: str = "/healthz", timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.role} exited early:\n{self.log()}")
            with contextlib.suppress(OSError):
                if self.request("GET", path).status == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"{self.role} did not answer {path} in {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            # The whole process group: gunicorn's and celery's children go with their parent.
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)


def start_process(
    role: str,
    command: list[str],
    *,
    reachable: list[str],
    log_path: Path,
    port: int | None = None,
    environment: dict[str, str] | None = None,
) -> RunningProcess:
    """Start `command` as `role`; `environment` overrides variables of the role's environment."""
    with log_path.open("wb") as log:
        popen = subprocess.Popen(  # noqa: S603
            command,
            cwd=REPOSITORY,
            env={**role_environment(role, reachable=reachable), **(environment or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return RunningProcess(role=role, popen=popen, log_path=log_path, port=port)


def serves(role: str, path: str) -> bool:
    """Whether a process of that role mounts `path` (ems/urls.py's ROUTES)."""
    urlconf = types.ModuleType(f"{role}_urls")
    urlconf.urlpatterns = ROUTES[role]
    try:
        resolve(path, urlconf=urlconf)
    except Resolver404:
        return False
    return True
