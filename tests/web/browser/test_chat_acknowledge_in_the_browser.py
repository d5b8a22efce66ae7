"""Acknowledging an alert from its card in the chat, in a real browser: staff click the card's
button, the alert is acknowledged and both sides see the line in the thread."""

import pytest
from playwright.sync_api import expect

from apps.monitoring.models import Alert, AlertState
from tests.web.meters import assigned_meter, ingest, last_full_hour
from tests.workers import wait_until

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_staff_acknowledge_an_alert_from_its_card_and_both_sides_see_the_line(
    signed_in_page, client_a, admin
):
    meter = assigned_meter(client_a, max_hourly_kwh="2.000", description="Workshop meter")
    in_a_thread(lambda: ingest(meter, last_full_hour(), 100.0, 101.0, 103.5))
    alert = Alert.objects.using("monitoring").get(device_id=meter.id)

    client = signed_in_page(client_a, "/alerts/")
    client.locator(f"[data-alert-id='{alert.id}']").get_by_role(
        "button", name="Ask about this"
    ).click()
    client.wait_for_url("**/chat/")
    expect(client.locator("[data-reference='alert']")).to_be_visible()

    staff = signed_in_page(admin, "/staff/chat/")
    staff.get_by_role("button", name="Alice Client").click()
    card = staff.locator("[data-reference='alert']")
    card.get_by_role("button", name="Acknowledge this alert").click()
    expect(card.get_by_role("button", name="Acknowledged")).to_be_disabled()

    line = "acknowledged by Ada Admin."
    expect(staff.locator(".chat__message").last).to_contain_text(line)
    expect(client.locator(".chat__message").last).to_contain_text(line)
    acknowledged = Alert.objects.using("monitoring").filter(
        id=alert.id, state=AlertState.ACKNOWLEDGED
    )
    assert wait_until(acknowledged.exists)
