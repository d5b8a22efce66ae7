"""Signing in, registering and signing out in a real browser, and where each role may go."""

import pytest
from playwright.sync_api import expect

from apps.users.models import User
from tests.factories import STRONG_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def sign_in(page, live_server, username: str, path: str = "/login/") -> None:
    page.goto(live_server.url + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_client_signs_in_through_the_form_and_lands_on_the_dashboard(
    page, live_server, client_a, screenshot
):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")

    sign_in(page, live_server, "alice")

    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(page.get_by_role("heading", name="Your meters")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Alice Client")
    # The page's script has asked the REST API for the meters (with or without an answer).
    expect(page.locator("[data-devices]")).to_have_attribute("aria-busy", "false")


def test_an_administrator_signs_in_and_lands_in_the_admin(page, live_server, admin):
    sign_in(page, live_server, "root")
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.get_by_text("EMS administration")).to_be_visible()


def test_a_client_pasting_an_admin_url_is_refused(page, live_server, client_a):
    sign_in(page, live_server, "alice")
    expect(page).to_have_url(live_server.url + "/dashboard/")

    page.goto(live_server.url + "/admin/users/user/")

    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(page.get_by_text("That page is for administrators only.")).to_be_visible()
    expect(page.get_by_text("EMS administration")).to_have_count(0)


def test_a_visitor_registers_through_the_form(page, live_server):
    page.goto(live_server.url + "/register/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Full name").fill("Carol Client")
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Password again").fill("not-the-same-password-1")
    page.get_by_role("button", name="Create account").click()

    second = page.get_by_label("Password again")
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()

    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    second.fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(page.get_by_text("Welcome, Carol Client. Your account is ready.")).to_be_visible()
    assert User.objects.get(username="carol").role == "client"


def test_signing_out_ends_the_session(page, live_server, client_a):
    sign_in(page, live_server, "alice")
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(live_server.url + "/dashboard/")
    expect(page).to_have_url(live_server.url + "/login/?next=/dashboard/")


def test_the_pages_call_the_rest_api_with_a_bearer_token_from_the_session(
    page, live_server, client_a
):
    sign_in(page, live_server, "alice")
    expect(page).to_have_url(live_server.url + "/dashboard/")

    me = page.evaluate(
        """async () => {
            const { api } = await import("/static/js/api.js");
            return api.get("/api/users/me/");
        }"""
    )

    assert me["username"] == "alice"


def test_the_skip_link_is_the_first_stop_of_the_keyboard(page, live_server, client_a):
    sign_in(page, live_server, "alice")
    expect(page).to_have_url(live_server.url + "/dashboard/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_the_sign_in_page_fits_a_phone_screen(phone_page, live_server):
    phone_page.goto(live_server.url + "/login/")
    expect(phone_page.get_by_role("button", name="Sign in")).to_be_in_viewport()
    assert phone_page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
