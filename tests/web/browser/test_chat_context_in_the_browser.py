""" "Ask about this" in a real browser: a client asks about an alert, the chat shows the card;
staff open the conversation, see the card and open the client's view from it; read marks stay
after a reload."""

import re

import pytest
from playwright.sync_api import expect

from apps.chat.models import ReadState
from apps.monitoring.models import Alert
from tests.web.meters import assigned_meter, ingest, last_full_hour
from tests.workers import wait_until

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_a_client_asks_about_an_alert_and_staff_open_the_chart_from_the_card(
    signed_in_page, client_a, admin, screenshot
):
    meter = assigned_meter(client_a, max_hourly_kwh="2.000", description="Workshop meter")
    in_a_thread(lambda: ingest(meter, last_full_hour(), 100.0, 101.0, 103.5))
    alert = Alert.objects.using("monitoring").get(device_id=meter.id)

    client = signed_in_page(client_a, "/alerts/")
    row = client.locator(f"[data-alert-id='{alert.id}']")
    row.get_by_role("button", name="Ask about this").click()
    client.wait_for_url("**/chat/")
    card = client.locator("[data-reference='alert']")
    expect(card).to_contain_text("Workshop meter")
    expect(card).to_contain_text("3.50 kWh in the hour, maximum 2.00 kWh per hour")
    expect(card.get_by_role("link", name="Open this chart")).to_have_attribute(
        "href", re.compile(rf"^/devices/{meter.id}/\?date=\d{{4}}-\d{{2}}-\d{{2}}$")
    )

    staff = signed_in_page(admin, "/staff/chat/")
    staff.get_by_role("button", name="Alice Client").click()
    staff_card = staff.locator("[data-reference='alert']")
    expect(staff_card).to_contain_text("3.50 kWh in the hour")
    screenshot(staff, "chat-reference-card")
    # Staff have read the client's message (stored); after a reload the client still sees it.
    read = ReadState.objects.using("chat").filter(user_id=admin.id, last_read_message_id__gt=0)
    assert wait_until(read.exists), "the staff's read receipt was not stored"
    client.reload()
    expect(client.locator(".chat__message--own [data-read]")).to_be_visible()

    staff_card.get_by_role("link", name="Open the client's view of this chart").click()
    expect(staff.locator("[data-support-banner]")).to_contain_text("Alice Client's meter")
    expect(staff.get_by_role("heading", name="Workshop meter")).to_be_visible()


def test_staff_start_a_conversation_from_the_clients_page(signed_in_page, client_a, admin):
    page = signed_in_page(admin, f"/staff/clients/{client_a.id}/")
    page.get_by_role("link", name="Chat with Alice Client").click()
    panel = page.locator("[data-conversation]")
    expect(panel).to_have_count(1)
    expect(panel.get_by_role("heading", name="Alice Client")).to_be_visible()
    panel.get_by_label("Message to Alice Client").fill("Hello Alice, about your meter.")
    panel.get_by_role("button", name="Send").click()
    expect(panel.locator(".chat__message")).to_contain_text("Hello Alice, about your meter.")
