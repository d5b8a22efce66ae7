"""Alerts that say what they are, in the browser: the meter's name in the toasts of a warning
and a silent meter pushed live, acknowledging one meter's alerts at once with a comment, and the
client's name on the staff overview."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from apps.monitoring.alert_checks import alerts_check
from tests.web.meters import HOUR, assigned_meter, ingest

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

M = dt.timedelta(minutes=1)


def a_recent_hour() -> dt.datetime:
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return now - 3 * HOUR


def test_a_warning_and_a_silent_meter_reach_the_client_naming_the_meter(signed_in_page, client_a):
    sauna = assigned_meter(client_a, max_hourly_kwh="10.000", description="Sauna meter")
    assigned_meter(client_a, description="Kitchen meter")
    hour = a_recent_hour()
    # 4 kWh in the first 20 minutes: 12 kWh projected for the hour, over its 10.
    in_a_thread(lambda: ingest(sauna, hour, 0.0, first_minute=0))
    in_a_thread(lambda: ingest(sauna, hour, 2.0, first_minute=10))
    in_a_thread(lambda: ingest(sauna, hour, 4.0, first_minute=20))

    page = signed_in_page(client_a, "/alerts/")
    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
    in_a_thread(lambda: alerts_check(now=hour + 20 * M))
    warning = page.get_by_role("alert").filter(has_text="Heading over the limit:")
    expect(warning).to_contain_text("Sauna meter: 12.00 kWh expected in the hour")
    expect(page.locator("[data-alert-list] [data-kind='warning']")).to_contain_text("Sauna meter")

    # Nothing from the sauna for over half an hour after its last reading: silent.
    in_a_thread(lambda: alerts_check(now=hour + 51 * M))
    silent = page.get_by_role("alert").filter(has_text="Meter silent:")
    expect(silent).to_contain_text("Sauna meter: no reading since")
    expect(page.locator("[data-alert-count-value]")).to_have_text("2")

    # Readings again: the silence is resolved live.
    in_a_thread(lambda: ingest(sauna, hour, 9.0, first_minute=55))
    expect(page.get_by_text("Meter back:")).to_be_visible()
    expect(page.locator("[data-alert-list] [data-kind='silent']")).to_have_count(0)
    expect(page.locator("[data-alert-count-value]")).to_have_text("1")


def test_a_client_acknowledges_all_alerts_of_one_meter_with_a_comment_seen_by_staff(
    signed_in_page, client_a, admin
):
    sauna = assigned_meter(client_a, description="Sauna meter")
    kitchen = assigned_meter(client_a, description="Kitchen meter")
    hour = a_recent_hour()
    for back in range(3):
        in_a_thread(lambda back=back: ingest(sauna, hour - back * HOUR, 0.0, 3.0))
    in_a_thread(lambda: ingest(kitchen, hour, 10.0, 12.5))

    page = signed_in_page(client_a, "/alerts/")
    rows = page.locator("[data-alert-list] > li")
    expect(rows).to_have_count(4)
    # In time order, newest hour first, each naming its meter.
    expect(rows.first).to_contain_text("Kitchen meter")
    form = page.locator("[data-acknowledge-all]")
    form.get_by_label("Meter").select_option(label="Sauna meter")
    form.get_by_label("Comment for all (optional)").fill("Sauna heater, sorted")
    form.get_by_role("button", name="Acknowledge all").click()
    expect(page.get_by_text("3 alerts acknowledged.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kitchen meter")
    expect(page.locator("[data-alert-count-value]")).to_have_text("1")

    staff = signed_in_page(admin, "/staff/alerts/")
    staff.get_by_label("All", exact=True).check()
    staff_rows = staff.locator("[data-alert-list] > li")
    expect(staff_rows).to_have_count(4)
    sauna_rows = staff_rows.filter(has_text="Sauna meter")
    expect(sauna_rows).to_have_count(3)
    expect(sauna_rows.first).to_contain_text(client_a.name)
    expect(sauna_rows.first).to_contain_text("Comment: Sauna heater, sorted")
