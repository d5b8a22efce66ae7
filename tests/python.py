"""A Python snippet run in a fresh interpreter of this checkout: settings read at start-up."""

import os
import subprocess
import sys

from tests.paths import REPOSITORY


def python_run(script: str, **variables: str) -> subprocess.CompletedProcess:
    """Run `script` with the test settings (unless `variables` name others) and these variables;
    its exit code, stdout and stderr, whatever they are."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ems.settings.test", **variables}
    return subprocess.run(  # noqa: S603 - this interpreter, our own snippet
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
