"""EMS_PROCESS decides the routes, the middleware and the protocols a process serves."""

import json
import subprocess
import sys

import pytest

from ems.urls import ROUTES

from .processes import REPOSITORY, role_environment, serves

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
AXES_MIDDLEWARE = "axes.middleware.AxesMiddleware"


@pytest.mark.parametrize(
    ("role", "path", "served"),
    [
        ("users", "/api/auth/token/", True),
        ("users", "/api/users/me/", True),
        ("users", "/admin/", False),
        ("devices", "/api/auth/token/", False),
        ("devices", "/api/users/me/", False),
        ("monitoring", "/api/users/", False),
        ("realtime", "/api/auth/register/", False),
        ("web", "/admin/", True),
        ("web", "/api/auth/token/", True),
        ("all", "/api/users/me/", True),
    ],
)
def test_a_role_mounts_only_its_own_routes(role, path, served):
    assert serves(role, path) is served


@pytest.mark.parametrize("role", ["users", "devices", "monitoring", "realtime", "web", "all"])
def test_every_http_role_answers_the_probes_and_the_schema(role):
    assert all(serves(role, path) for path in ("/healthz", "/readyz", "/api/schema/"))


@pytest.mark.parametrize("role", ["worker", "beat", "simulator"])
def test_the_processes_without_http_mount_nothing(role):
    assert ROUTES[role] == []


_DESCRIBE = (
    "import json, django; django.setup(); from django.conf import settings; import ems.asgi; "
    "print(json.dumps({'middleware': settings.MIDDLEWARE, "
    "'protocols': sorted(ems.asgi.application.application_mapping)}))"
)


def _describe(role: str) -> dict:
    """The middleware and ASGI protocols of a process of that role, read in a fresh interpreter."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _DESCRIBE],
        cwd=REPOSITORY,
        env=role_environment(role, reachable=[]),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("role", "sessions", "axes", "protocols"),
    [
        ("users", False, True, ["http"]),
        ("devices", False, False, ["http"]),
        ("realtime", False, False, ["http", "websocket"]),
        ("web", True, True, ["http"]),
        ("all", True, True, ["http", "websocket"]),
    ],
)
def test_only_the_front_end_uses_sessions_and_only_realtime_serves_sockets(
    role, sessions, axes, protocols
):
    process = _describe(role)
    assert (SESSION_MIDDLEWARE in process["middleware"]) is sessions
    assert (AUTH_MIDDLEWARE in process["middleware"]) is sessions
    assert (AXES_MIDDLEWARE in process["middleware"]) is axes
    assert process["protocols"] == protocols
