"""The admin's device list fits a 1280 px screen: no sideways scrolling (a screenshot is kept)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.devices import services as device_services
from tests.factories import STRONG_PASSWORD, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_device_list_does_not_scroll_sideways_at_1280_px(page, live_server, admin, screenshot):
    owner = create_user(username="constantinescu", name="Maria-Magdalena Constantinescu-Popescu")
    for number in range(8):
        device_services.device_create(
            description=f"Workshop compressor and welding bay meter number {number}",
            address="Strada Doctor Constantin Istrati 123, Bucharest",
            max_hourly_kwh=Decimal("12.500"),
            owner_id=owner.id if number % 2 else None,
        )
    page.goto(live_server.url + "/admin/login/?next=/admin/devices/device/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Select device to change")).to_be_visible()
    expect(page.get_by_text("Maria-Magdalena Constantinescu-Popescu").first).to_be_visible()
    screenshot(page, "admin-devices")
    # The page, and the admin's own scrolling box around the table (div.results).
    for selector in ("html", "#changelist .results"):
        wide, shown = page.locator(selector).evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert wide <= shown, f"{selector} is {wide} px wide in {shown} px"
