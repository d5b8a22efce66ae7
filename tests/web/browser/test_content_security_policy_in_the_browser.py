"""The pages Chromium runs under the Content-Security-Policy work, and it blocks nothing of
theirs (the `page` fixture fails a test on any policy violation in the console)."""

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def _signed_in(page, live_server, user) -> None:
    session = Client()
    session.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = session.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])


def test_the_admins_forms_run_their_scripts(page, live_server, admin):
    _signed_in(page, live_server, admin)
    page.goto(live_server.url + "/admin/devices/device/add/")
    expect(page.get_by_label("Description")).to_be_visible()
    # The changelist's action bar is built by the admin's scripts (actions.js).
    page.goto(live_server.url + "/admin/users/user/")
    expect(page.locator("#action-toggle")).to_be_visible()
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")


def test_the_api_docs_render_under_the_policy(page, live_server):
    page.goto(live_server.url + "/api/docs/")
    expect(page.get_by_text("EMS API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()


def test_a_blocked_inline_script_is_reported_as_a_violation(page, live_server, page_errors):
    # The guard of the fixture itself: an inline script on a page of this site is refused and
    # reported, so the other browser tests would see any violation.
    page.goto(live_server.url + "/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )
    assert page.evaluate("() => window.ran") is None
    expect(page.get_by_label("Username")).to_be_visible()
    assert any("Content Security Policy" in error for error in page_errors)
    page_errors.clear()
