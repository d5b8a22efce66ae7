"""A real browser for the page tests: Debian's Chromium driven by Playwright's sync API.

The browser is the system's /usr/bin/chromium (scripts/bootstrap.sh installs it); Playwright's
own browser download (`playwright install`) is never used: the machines have no internet.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

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
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
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


def _new_page(browser, page_errors, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Uncaught exceptions in the pages' scripts fail the test (see the `page` fixture).
    page.on("pageerror", lambda error: page_errors.append(str(error)))
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
def screenshot():
    def save(page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return save
