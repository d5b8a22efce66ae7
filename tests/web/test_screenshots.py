"""A test run leaves the README's screenshots alone; `make screenshots` rewrites them."""

import os
import subprocess
import sys

import pytest

from tests.web.browser.conftest import SCREENSHOTS, WRITE_SCREENSHOTS

REPOSITORY = SCREENSHOTS.parents[1]
SIGN_IN_TEST = (
    "tests/web/browser/test_accounts_in_the_browser.py"
    "::test_a_client_signs_in_through_the_form_and_lands_on_the_dashboard"
)


def run_the_sign_in_test(**environment: str) -> subprocess.CompletedProcess:
    """The browser test that takes the sign-in screenshot, in a pytest of its own."""
    child = {key: value for key, value in os.environ.items() if key != WRITE_SCREENSHOTS}
    # Its own test databases, so it never touches this session's.
    prefix = os.environ.get("EMS_TEST_DATABASE_PREFIX", "test_")
    child.update(EMS_TEST_DATABASE_PREFIX=f"{prefix}shots_", **environment)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", SIGN_IN_TEST],
        cwd=REPOSITORY,
        env=child,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.browser
def test_a_test_run_leaves_the_tracked_screenshots_unchanged():
    screenshot = SCREENSHOTS / "sign-in.png"
    before = screenshot.stat().st_mtime_ns, screenshot.read_bytes()

    run = run_the_sign_in_test()

    assert run.returncode == 0, run.stdout + run.stderr
    assert (screenshot.stat().st_mtime_ns, screenshot.read_bytes()) == before
