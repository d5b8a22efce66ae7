"""A real browser for the page tests: Debian's Chromium driven by Playwright's sync API.

The browser is the system's /usr/bin/chromium (scripts/bootstrap.sh installs it); Playwright's
own browser download (`playwright install`) is never used: the machines have no internet.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from tests.deploy.processes import (
    DATABASE_URL_VARIABLES,
    RunningProcess,
    daphne,
    free_port,
    start_process,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README's screenshots are written only by `make screenshots` (EMS_WRITE_SCREENSHOTS=1), so a
# test run leaves the tracked files as they were; otherwise each goes to the test's tmp_path.
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
WRITE_SCREENSHOTS = "EMS_WRITE_SCREENSHOTS"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package", autouse=True)
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/bootstrap.sh (apt-get install chromium)")
    # While Playwright's sync API runs, it keeps an asyncio event loop running in the main
    # thread, so Django takes every ORM call of these tests (fixtures, assertions, the database
    # flush between tests) for a call from async code and refuses it. They are synchronous
    # calls, so allow them, and only while the browser runs: the loop ends with Playwright.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_errors():
    return []


def _policy_violation(message, page_errors) -> None:
    if "Content Security Policy" in message.text:
        where = message.location or {}
        page_errors.append(f"{message.text} ({where.get('url')}:{where.get('lineNumber')})")


def _new_page(browser, page_errors, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Uncaught exceptions in the pages' scripts fail the test (see the `page` fixture), and so
    # does anything the Content-Security-Policy blocks (ems/csp.py).
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("console", lambda message: _policy_violation(message, page_errors))
    return context, page


@pytest.fixture
def page(browser, page_errors, live_server):
    context, page = _new_page(browser, page_errors, viewport={"width": 1280, "height": 800})
    yield page
    context.close()
    assert page_errors == []


@pytest.fixture
def phone_page(browser, page_errors, live_server):
    context, page = _new_page(
        browser, page_errors, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    yield page
    context.close()
    assert page_errors == []


@pytest.fixture
def screenshot(tmp_path):
    folder = SCREENSHOTS if os.environ.get(WRITE_SCREENSHOTS) == "1" else tmp_path / "screenshots"

    def save(page, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / f"{name}.png", full_page=True)

    return save


@dataclass
class AsgiServer:
    """The real ASGI application (HTTP and WebSocket) in a daphne subprocess."""

    url: str
    process: RunningProcess


@pytest.fixture(scope="package")
def asgi_server(django_db_setup, tmp_path_factory):
    """Daphne serving `ems.asgi` as the `all` role, against the TEST databases and Redis.

    pytest-django's `live_server` speaks HTTP only; pages that open sockets need this one. It is
    started once for the package (daphne takes a few seconds to start) by the deploy tests' helper
    (tests/deploy/processes.py), with every database alias reachable. Tests that use it must be
    `django_db(transaction=True, databases="__all__")`, so the rows they create are committed
    where daphne sees them. Daphne reads the worktree's .env like the tests do, so both use the
    same Redis (channel layer); static files come from the finders (ems.settings.test). The
    browser's Origin, http://127.0.0.1:<port>, passes the socket origin check because
    127.0.0.1 is in the default ALLOWED_HOSTS.
    """
    port = free_port()
    log_path = tmp_path_factory.mktemp("asgi") / "daphne.log"
    process = start_process(
        "all", daphne(port), reachable=list(DATABASE_URL_VARIABLES), log_path=log_path, port=port
    )
    try:
        process.wait_until_answering("/healthz")
        yield AsgiServer(url=f"http://127.0.0.1:{port}", process=process)
    finally:
        process.stop()


# How much of daphne's log a failed test shows: its requests, socket connects and disconnects,
# and the tracebacks of what failed inside the application.
_LOG_LINES_ON_FAILURE = 80


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that used the ASGI server shows the end of daphne's log beside its own."""
    report = yield
    server = getattr(item, "funcargs", {}).get("asgi_server")
    if report.when == "call" and report.failed and isinstance(server, AsgiServer):
        lines = server.process.log().splitlines()[-_LOG_LINES_ON_FAILURE:]
        report.sections.append(("daphne log (the end)", "\n".join(lines)))
    return report


@pytest.fixture
def signed_in_page(browser, page_errors, asgi_server):
    """`open(user, path)`: a page in a browser context of its own, signed in as `user`.

    Each context has its own cookies, like two people on two computers. The session is made
    with the test client (the sign-in form has its own tests) and handed to the context.
    """
    contexts = []

    def open_page(user, path: str, *, before_goto=None, **context_options):
        options = {"viewport": {"width": 1280, "height": 800}, **context_options}
        context, page = _new_page(browser, page_errors, **options)
        contexts.append(context)
        session = Client()
        session.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server.url}]
        )
        if before_goto is not None:
            before_goto(page)
        page.goto(asgi_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert page_errors == []
