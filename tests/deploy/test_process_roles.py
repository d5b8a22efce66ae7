"""EMS_PROCESS decides the routes, the middleware and the protocols a process serves."""

import json
import subprocess
import sys

import pytest

from ems.processes import ALL_ROUTES, PROCESS_ROLES
from ems.urls import GROUPS, ROUTES

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


# The settings module alone is enough for the middleware: no app loading, a fraction of a second.
_SETTINGS = (
    "import json; from ems.settings import test as s; "
    "print(json.dumps({'middleware': s.MIDDLEWARE, 'websockets': s.EMS_PROCESS_SERVES_WEBSOCKETS}))"
)
_PROTOCOLS = (
    "import json, ems.asgi; print(json.dumps(sorted(ems.asgi.application.application_mapping)))"
)


def _run_as(role: str, code: str):
    """What `code` prints, run in a fresh interpreter of a process of that role."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=REPOSITORY,
        env=role_environment(role, reachable=[]),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("role", "sessions", "axes", "websockets"),
    [
        ("users", False, True, False),
        ("devices", False, False, False),
        ("monitoring", False, False, False),
        ("realtime", False, False, True),
        ("worker", False, False, False),
        ("web", True, True, False),
        ("all", True, True, True),
    ],
)
def test_only_the_front_end_uses_sessions_and_only_realtime_serves_sockets(
    role, sessions, axes, websockets
):
    process = _run_as(role, _SETTINGS)
    assert (SESSION_MIDDLEWARE in process["middleware"]) is sessions
    assert (AUTH_MIDDLEWARE in process["middleware"]) is sessions
    assert (AXES_MIDDLEWARE in process["middleware"]) is axes
    assert process["websockets"] is websockets


@pytest.mark.parametrize(
    ("role", "protocols"), [("devices", ["http"]), ("realtime", ["http", "websocket"])]
)
def test_the_asgi_application_routes_websockets_only_where_they_are_served(role, protocols):
    assert _run_as(role, _PROTOCOLS) == protocols


def test_every_route_group_of_the_roles_table_is_mounted_by_the_urls():
    assert tuple(GROUPS) == ALL_ROUTES
    assert {group for role in PROCESS_ROLES.values() for group in role.routes} <= set(GROUPS)


def test_an_unknown_process_role_refuses_to_start_and_names_the_roles():
    result = subprocess.run(
        [sys.executable, "-c", "import ems.settings.test"],
        cwd=REPOSITORY,
        env={**role_environment("all", reachable=[]), "EMS_PROCESS": "api"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "EMS_PROCESS='api' is not a process role; use one of: users, devices" in result.stderr
