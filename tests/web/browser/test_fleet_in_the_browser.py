"""Staff in a real browser: the fleet overview's row turns "over" live when an alert arrives, and
the row opens the client's view of the meter, read-only and marked as a support view."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.monitoring import fleet
from tests.web.meters import assigned_meter, ingest

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_fleet_marks_a_meter_over_live_and_opens_the_clients_view(
    signed_in_page, admin, client_a, screenshot
):
    client_a.timezone = "America/Chicago"
    client_a.save()
    fleet.snapshot_cache_clear()
    meter = assigned_meter(client_a, max_hourly_kwh="2.000", description="Workshop meter")
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    in_a_thread(lambda: ingest(meter, hour - dt.timedelta(hours=1), 10.0, 10.5))

    page = signed_in_page(admin, "/staff/fleet/")
    row = page.locator(f"tr[data-device-id='{meter.id}']")
    expect(row).to_contain_text("Workshop meter")
    expect(row).to_contain_text("Alice Client")
    expect(row.locator("[data-status]")).not_to_have_attribute("data-status", "over")
    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")

    recent = max(0, (timezone.now() - hour).seconds // 60 - 1)
    # 3 kWh this hour (limit 2), the last reading within a minute of now.
    in_a_thread(lambda: ingest(meter, hour, 10.5, 13.5, first_minute=recent))
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "over")
    expect(row).to_contain_text("Over the limit")
    # The rows are then read again from the server: the hour's figures and the reading's age.
    expect(page.locator("body")).to_have_attribute(
        "data-fleet-refreshed", re.compile(r"\d+"), timeout=15_000
    )
    row = page.locator(f"tr[data-device-id='{meter.id}']")
    expect(row).to_contain_text("3.00 / 2.00 kWh")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "over")
    expect(page.locator("[data-status-count='over']")).to_have_text("1")
    expect(page.locator("[data-status-count='silent']")).to_have_text("0")
    screenshot(page, "fleet")

    row.get_by_role("link", name="client's view").click()
    expect(page.locator("[data-support-banner]")).to_contain_text(
        "Alice Client's meter as they see it, read-only"
    )
    expect(page.locator("[data-status]")).to_contain_text("America/Chicago")
    expect(page.get_by_role("heading", name="Workshop meter")).to_be_visible()


def _pushed_to_staff(alert: dict) -> None:
    """An alert as the monitoring worker pushes it to the administrators' sockets."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from ems.groups import ADMINS_GROUP

    send = async_to_sync(get_channel_layer().group_send)
    in_a_thread(lambda: send(ADMINS_GROUP, {"type": "alert.created", "alert": alert}))


def test_each_kind_of_alert_marks_its_own_status_and_never_lowers_a_worse_one(
    signed_in_page, admin, client_a
):
    fleet.snapshot_cache_clear()
    meter = assigned_meter(client_a, max_hourly_kwh="2.000", description="Garage meter")
    now = timezone.now()
    # Two readings in the last minutes (0.1 kWh): the meter is "ok" when the page opens.
    in_a_thread(lambda: ingest(meter, now - dt.timedelta(minutes=2), 10.0, 10.1))
    hour = now.replace(minute=0, second=0, microsecond=0)
    page = signed_in_page(admin, "/staff/fleet/")
    row = page.locator(f"tr[data-device-id='{meter.id}']")
    # The server reuses the fleet's figures for a few seconds (MONITORING_FLEET_SNAPSHOT_SECONDS):
    # a page read just after another test's may not list this new meter yet.
    for _ in range(20):
        if row.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    badge = row.locator("[data-status]")
    expect(badge).to_have_attribute("data-status", "ok")
    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
    alert = {
        "device": str(meter.id),
        "description": "Garage meter",
        "hour_start": hour.isoformat(),
        "kwh": "2.4",
        "max_hourly_kwh": "2.000",
        "state": "open",
    }
    _pushed_to_staff({**alert, "id": 901, "kind": "silent"})
    expect(badge).to_have_attribute("data-status", "silent")
    expect(badge).to_have_text("Silent")
    _pushed_to_staff({**alert, "id": 902, "kind": "warning"})
    expect(badge).to_have_attribute("data-status", "warning")
    _pushed_to_staff({**alert, "id": 903, "kind": "over_limit"})
    expect(badge).to_have_attribute("data-status", "over")
    # A later warning or silence of the same meter does not hide that it is over.
    _pushed_to_staff({**alert, "id": 904, "kind": "silent"})
    _pushed_to_staff({**alert, "id": 905, "kind": "warning"})
    page.wait_for_timeout(500)
    expect(badge).to_have_attribute("data-status", "over")
