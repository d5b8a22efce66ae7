"""A client helps themselves in a real browser: time zone, password, export, deletion."""

import zipfile

import pytest
from playwright.sync_api import expect

from apps.users.models import User
from tests.factories import STRONG_PASSWORD
from tests.web.browser.test_accounts_in_the_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

NEW_PASSWORD = "a-brand-new-long-phrase-17"


def test_a_client_changes_time_zone_and_password_from_the_account_page(
    page, live_server, client_a, screenshot
):
    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Alice Client").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    page.get_by_role("combobox", name="Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Your time zone is now Asia/Tokyo.")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-timezone", "Asia/Tokyo")

    page.get_by_label("Current password").fill(STRONG_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    screenshot(page, "account")
    # Still signed in here.
    page.goto(live_server.url + "/dashboard/")
    expect(page.get_by_role("heading", name="Your meters")).to_be_visible()
    client_a.refresh_from_db()
    assert client_a.check_password(NEW_PASSWORD)
    assert client_a.timezone == "Asia/Tokyo"


def test_a_client_exports_their_data_and_deletes_the_account(page, live_server, client_a):
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="Export my data…").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the archive").click()
    archive = zipfile.ZipFile(download.value.path())
    assert "consumption.csv" in archive.namelist()

    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="Delete my account…").click()
    page.get_by_label("Your password").fill(STRONG_PASSWORD)
    # Without the confirmation nothing happens.
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Please correct the fields marked below.")).to_be_visible()
    assert User.objects.filter(username="alice").exists()

    page.get_by_label("Your password").fill(STRONG_PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    assert not User.objects.filter(username="alice").exists()
