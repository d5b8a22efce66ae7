"""Every role's production settings pass Django's deployment checks, warnings included."""

import os
import secrets
import subprocess
import sys

import pytest

from ems.processes import PROCESS_ROLES

from .processes import REPOSITORY

ROLES = list(PROCESS_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_the_production_settings_of_a_role_pass_the_deployment_checks(role):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ems.settings.production",
        "EMS_PROCESS": role,
        # Secrets as production gets them: from the environment, long and random.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "ems.example.org",
    }
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
