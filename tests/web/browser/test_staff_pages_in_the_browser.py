"""The administrators' pages outside the admin, reached from the admin's index.

Everything is real: the alerts are raised by monitoring's ingestion service from readings of a
client's meter, listed and acknowledged through the monitoring API on daphne, and the live one is
pushed by that service's commit through the channel layer to the administrators' group.
"""

import re

import pytest
from playwright.sync_api import expect

from apps.monitoring.models import Alert
from tests.web.meters import HOUR, assigned_meter, ingest, last_full_hour

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_an_administrator_acknowledges_alerts_and_sees_new_ones_live(
    signed_in_page, admin, client_a
):
    meter = assigned_meter(client_a, max_hourly_kwh="2.000")
    hour = last_full_hour()
    # An index meter: 2.5 kWh in one hour, 3 kWh in the next, both over the 2 kWh limit; the
    # index does not move between the batches. Two alerts, the newer listed first.
    in_a_thread(lambda: ingest(meter, hour - 2 * HOUR, 0.0, 2.5))
    in_a_thread(lambda: ingest(meter, hour - HOUR, 2.5, 5.5))
    _older, newer = Alert.objects.using("monitoring").order_by("id")

    page = signed_in_page(admin, "/admin/")
    expect(page.get_by_role("link", name="Chat with clients")).to_have_attribute(
        "href", "/staff/chat/"
    )
    page.get_by_role("link", name="Alerts overview").click()

    expect(page.get_by_role("heading", name="Alerts overview")).to_be_visible()
    rows = page.locator("[data-alert-list] > li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-alert-id", str(newer.id))
    expect(rows.first).to_contain_text("3.00 kWh")
    expect(rows.first).to_contain_text("maximum 2.00 kWh")
    # Meters are named as the devices API names them and open the support view of the client's
    # page at the alert's hour (not the client's own page, which sends staff away).
    expect(rows.first.get_by_role("link", name="Kitchen meter")).to_have_attribute(
        "href", re.compile(rf"^/staff/devices/{meter.id}/\?hour=")
    )

    rows.first.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(rows).to_have_count(1)
    newer.refresh_from_db(using="monitoring")
    assert newer.acknowledged_at is not None

    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
    in_a_thread(lambda: ingest(meter, hour, 5.5, 9.5))
    newest = Alert.objects.using("monitoring").latest("id")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-alert-id", str(newest.id))
    toast = page.get_by_role("alert").filter(has_text="Consumption over the limit:")
    expect(toast).to_contain_text("4.00 kWh")
    # No link to a client's device page in an administrator's toast.
    expect(toast.get_by_role("link")).to_have_count(0)

    # "All alerts" lists the acknowledged one too, with its time.
    page.get_by_label("All", exact=True).check()
    expect(rows).to_have_count(3)
    expect(page.locator(f"[data-alert-id='{newer.id}']")).to_contain_text("Acknowledged")
