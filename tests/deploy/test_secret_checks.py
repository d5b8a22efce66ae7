"""Production settings refuse to start with guessable keys or a wildcard host (ems/checks.py)."""

import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

import jwt
import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from ems.checks import KNOWN_KEYS

from .processes import REPOSITORY, daphne, free_port, gunicorn

DEVELOPMENT_SECRET_KEY = "local-dev-secret-key-not-for-production"
DEVELOPMENT_SIGNING_KEY = "local-dev-jwt-signing-key-not-for-production"


def _strong() -> str:
    return secrets.token_urlsafe(64)


def _production(*, secret_key: str, signing_key: str, hosts: list[str]):
    from django.conf import settings

    return override_settings(
        EMS_REFUSE_WEAK_SECRETS=True,
        SECRET_KEY=secret_key,
        SIMPLE_JWT={**settings.SIMPLE_JWT, "SIGNING_KEY": signing_key},
        ALLOWED_HOSTS=hosts,
    )


def _check_errors(**configuration) -> set[str]:
    with _production(**configuration):
        try:
            call_command("check", verbosity=0)
        except SystemCheckError as error:
            return set(re.findall(r"\((ems\.E\d+)\)", str(error)))
    return set()


def test_it_accepts_long_distinct_random_keys_and_named_hosts():
    errors = _check_errors(secret_key=_strong(), signing_key=_strong(), hosts=["ems.example.org"])
    assert errors == set()


@pytest.mark.parametrize("known", sorted(KNOWN_KEYS))
def test_it_refuses_every_key_written_in_the_repository(known):
    errors = _check_errors(secret_key=known, signing_key=known + "x", hosts=["ems.example.org"])
    assert {"ems.E001", "ems.E002"} <= errors


def test_it_refuses_a_key_shorter_than_50_characters():
    short = secrets.token_urlsafe(64)[:49]
    assert _check_errors(secret_key=_strong(), signing_key=short, hosts=["a.example"]) == {
        "ems.E002"
    }
    assert _check_errors(secret_key=short, signing_key=_strong(), hosts=["a.example"]) == {
        "ems.E001"
    }


def test_it_refuses_one_key_for_both_purposes():
    key = _strong()
    assert _check_errors(secret_key=key, signing_key=key, hosts=["a.example"]) == {"ems.E003"}


def test_it_refuses_a_wildcard_host():
    errors = _check_errors(secret_key=_strong(), signing_key=_strong(), hosts=["a.example", "*"])
    assert errors == {"ems.E004"}


def test_the_check_is_an_error_not_a_warning():
    from ems.checks import production_secrets_errors

    with _production(secret_key="short", signing_key=_strong(), hosts=["a.example"]):
        (error,) = production_secrets_errors()
    assert isinstance(error, Error)


def test_the_known_keys_are_every_key_written_in_the_repository():
    files = [
        "ems/settings/local.py",
        "ems/settings/test.py",
        ".env.example",
        "docker/.env.example",
        "docker/Dockerfile",
    ]
    pattern = re.compile(r"(?:DJANGO_SECRET_KEY|JWT_SIGNING_KEY)\"?\s*[=,]\s*\"?([\w.-]+)")
    written = set()
    for name in files:
        written |= set(pattern.findall((REPOSITORY / name).read_text()))
    assert DEVELOPMENT_SECRET_KEY in written
    assert written <= KNOWN_KEYS


# --- the real processes ------------------------------------------------------------------------


def _production_environment(**overrides) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ems.settings.production",
        "DJANGO_SECRET_KEY": DEVELOPMENT_SECRET_KEY,
        "JWT_SIGNING_KEY": DEVELOPMENT_SIGNING_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        # Should a process start after all, it meets the suite's Redis, never the demo's.
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        **overrides,
    }


def _run(command: list[str], **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        command,
        cwd=REPOSITORY,
        env=_production_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _forged_admin_token() -> str:
    """What anyone who read local.py can make: an administrator's access token."""
    claims = {
        "token_type": "access",
        "exp": int(time.time()) + 600,
        "jti": secrets.token_hex(16),
        "user_id": 1,
        "role": "admin",
        "name": "Mallory",
        "timezone": "UTC",
    }
    return jwt.encode(claims, DEVELOPMENT_SIGNING_KEY, algorithm="HS256")


@pytest.mark.parametrize("server", [gunicorn, daphne], ids=["gunicorn", "daphne"])
def test_a_server_with_the_development_keys_does_not_start_so_a_forged_token_finds_no_one(server):
    port = free_port()
    finished = _run(server(port), EMS_PROCESS="monitoring")
    assert finished.returncode != 0
    assert "ems.E001" in finished.stdout + finished.stderr
    assert "ems.E002" in finished.stdout + finished.stderr
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/alerts/",
        headers={"Authorization": f"Bearer {_forged_admin_token()}"},
    )
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(request, timeout=5)  # noqa: S310


@pytest.mark.parametrize("kind", ["worker", "beat"])
def test_celery_with_the_development_keys_does_not_start(kind, tmp_path):
    command = [sys.executable, "-m", "celery", "-A", "ems", kind, "--loglevel", "INFO"]
    if kind == "worker":
        command += ["--pool", "solo", "--queues", "nothing", "--without-gossip", "--without-mingle"]
    else:
        command += ["--schedule", str(tmp_path / "schedule")]
    finished = _run(command, EMS_PROCESS=kind)
    assert finished.returncode != 0
    assert "ems.E001" in finished.stdout + finished.stderr


def test_manage_py_check_with_the_development_keys_fails():
    finished = _run([sys.executable, "manage.py", "check"], EMS_PROCESS="users")
    assert finished.returncode != 0
    assert "ems.E001" in finished.stderr
    assert "ems.E002" in finished.stderr
