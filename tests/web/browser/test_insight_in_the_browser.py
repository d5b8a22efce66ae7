"""Charts that never pretend, and costs, in a real browser: gaps, estimated hours, the future,
the comparison with an incomplete period, the kWh/cost toggle and the dashboard's bill."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from playwright.sync_api import expect

from apps.monitoring.models import MeterTariff, Tariff, TariffBand, TariffPrice
from apps.monitoring.services import readings_ingest
from ems.groups import demand_group
from tests.factories import api_client_for
from tests.web.meters import assigned_meter

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

ZONE = ZoneInfo("Europe/Bucharest")
H = dt.timedelta(hours=1)


def index_readings(device, start: dt.datetime, end: dt.datetime, step=dt.timedelta(minutes=10)):
    """A cumulative index every 10 minutes, a function of the time (so separate stretches of
    one meter continue each other, with no reset between them)."""
    readings, at = [], start
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    value = round(100.0 + 0.35 * (at - base) / step, 3)
    while at <= end:
        readings.append(
            {"device_id": str(device.id), "timestamp": at.isoformat(), "measurement_value": value}
        )
        at += step
        value = round(100.0 + 0.35 * (at - base) / step + 0.1 * (at.astimezone(ZONE).hour % 4), 3)
    return readings


@pytest.fixture
def priced_meter(client_a):
    """Alice's meter on a day/night tariff; readings of a day three days ago from 06:00 local
    (the night before has no data), none from 12:00 to 15:00 (those hours are estimated),
    and from yesterday 00:00 up to now."""
    client_a.timezone = "Europe/Bucharest"
    client_a.save()
    device = assigned_meter(client_a, max_hourly_kwh="5.000", description="Workshop meter")
    tariff = Tariff.objects.create(
        name="Day and night", currency="EUR", time_zone="Europe/Bucharest"
    )
    price = TariffPrice.objects.create(
        tariff=tariff,
        effective_from=dt.date(2024, 1, 1),
        price_per_kwh=Decimal("0.20"),
        standing_charge_per_day=Decimal("0.50"),
    )
    TariffBand.objects.create(
        price=price, starts_at=dt.time(7), ends_at=dt.time(23), price_per_kwh=Decimal("0.30")
    )
    MeterTariff.objects.create(device_id=device.id, tariff=tariff, valid_from=dt.date(2024, 1, 1))
    now = dt.datetime.now(dt.UTC)
    day = (now.astimezone(ZONE) - dt.timedelta(days=3)).date()
    start = dt.datetime.combine(day, dt.time(6), tzinfo=ZONE)
    readings = index_readings(device, start, start + 6 * H)
    readings += index_readings(device, start + 9 * H, start + 17 * H)
    yesterday = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(0), tzinfo=ZONE)
    readings += index_readings(device, yesterday, now)
    for first in range(0, len(readings), 500):
        readings_ingest(raw_readings=readings[first : first + 500])
    return client_a, device, day


def chart_data(page) -> dict:
    return page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector("[data-device-page] canvas"));
            const bars = chart.data.datasets[0];
            return {
                labels: chart.data.labels,
                bars: bars.data,
                hatched: bars.backgroundColor.map((color) => typeof color !== "string"),
                legend: chart.data.datasets.map((set) => set.label),
                compared: chart.data.datasets.find((set) => set.previousLabels) || null,
            };
        }"""
    )


def test_a_day_with_gaps_and_estimated_hours_is_drawn_as_it_is(
    signed_in_page, priced_meter, screenshot
):
    client, device, day = priced_meter
    page = signed_in_page(client, f"/devices/{device.id}/?view=day&date={day.isoformat()}")
    expect(page.locator("[data-status]")).to_contain_text(f"Showing the day of {day}")
    # Gaps are not about ownership: the meter was Alice's all along.
    expect(page.locator("[data-status]")).not_to_contain_text("Only the hours while")
    answer = api_client_for(client).get(
        f"/api/devices/{device.id}/consumption/", {"date": day.isoformat()}
    )
    hours = answer.json()["hours"]
    chart = chart_data(page)
    assert chart["bars"] == [hour["kwh"] for hour in hours]
    assert chart["bars"][:6] == [None] * 6  # before the first reading: gaps, not zeros
    assert chart["hatched"] == [hour["estimated"] for hour in hours]
    assert chart["hatched"][12:15] == [True, True, True]
    assert "Estimated (spread over a gap in the readings) (kWh)" not in chart["legend"]
    assert "Estimated (spread over a gap in the readings)" in chart["legend"]
    # The day before has no data at all: no percentage, a sentence.
    expect(page.locator("[data-summary]")).to_contain_text(
        "the compared period has no complete data for 24 of 24 hours"
    )
    page.get_by_text("Values as a table").click()
    rows = page.locator("[data-table] tbody tr")
    expect(rows.nth(0)).to_contain_text("(no data)")
    expect(rows.nth(12)).to_contain_text("estimated")

    page.get_by_label("Cost").check()
    chart = chart_data(page)
    assert chart["bars"] == [hour.get("cost") for hour in hours]
    assert "Consumption (EUR)" in chart["legend"]
    expect(page.locator("[data-summary]")).to_contain_text("of which standing charges")
    page.evaluate(
        "() => { Chart.getChart(document.querySelector('canvas')).options.animation = false; }"
    )
    screenshot(page, "device-gaps-estimated-cost")


def test_today_shows_no_future_hours_and_its_peak_is_a_past_hour(signed_in_page, priced_meter):
    client, device, _ = priced_meter
    # A zone in which the day has hours still to come (at 23:xx nothing of today is future).
    zones = ["Europe/Bucharest", "America/New_York", "Asia/Tokyo"]
    zone = next(z for z in map(ZoneInfo, zones) if 2 <= dt.datetime.now(z).hour <= 20)
    client.timezone = zone.key
    client.save()
    page = signed_in_page(client, f"/devices/{device.id}/?view=day")
    expect(page.locator("[data-status]")).to_contain_text("Showing the day of")
    now_local = dt.datetime.now(zone)
    chart = chart_data(page)
    begun = [index for index, value in enumerate(chart["bars"]) if value is not None]
    later = chart["bars"][now_local.hour + 1 :]
    assert later == [None] * len(later)
    assert begun
    assert max(begun) <= now_local.hour
    page.get_by_text("Values as a table").click()
    expect(page.locator("[data-table] tbody tr")).to_have_count(now_local.hour + 1)
    peak = page.locator(".summary__item", has_text="Peak hour").locator("dd").inner_text()
    assert int(peak[:2]) <= now_local.hour


def test_the_previous_month_is_drawn_position_by_position_with_its_own_labels(
    signed_in_page, priced_meter
):
    client, device, _ = priced_meter
    page = signed_in_page(client, f"/devices/{device.id}/?view=month&date=2026-03-15")
    expect(page.locator("[data-status]")).to_contain_text("Showing the month of 2026-03-15")
    chart = chart_data(page)
    assert len(chart["labels"]) == 31
    compared = chart["compared"]["previousLabels"]
    # February has 28 days: March's last three days face nothing, not February's labels.
    assert compared[27] != ""
    assert compared[28:] == ["", "", ""]
    assert "Feb" in compared[0] or "feb" in compared[0].lower()
    page.get_by_label("Compare with").select_option("last-year")
    expect(page.locator("canvas")).to_be_visible()
    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('canvas')).data.datasets"
        ".some((set) => set.label.startsWith('Same period last year'))"
    )


def test_a_year_is_twelve_months_with_the_year_before(signed_in_page, priced_meter):
    client, device, day = priced_meter
    page = signed_in_page(client, f"/devices/{device.id}/?view=year&date={day.isoformat()}")
    expect(page.locator("[data-status]")).to_contain_text("Showing the year of")
    chart = chart_data(page)
    assert len(chart["labels"]) == 12
    assert chart["compared"] is not None
    assert chart["bars"][day.month - 1] is not None
    expect(page).to_have_url(re.compile(r"\?view=year&date="))


def test_the_dashboard_card_shows_todays_cost_the_month_and_its_projected_bill(
    signed_in_page, priced_meter, screenshot
):
    client, device, _ = priced_meter
    page = signed_in_page(client, "/dashboard/")
    card = page.locator(f'[data-device-id="{device.id}"]')
    today = api_client_for(client).get(
        f"/api/devices/{device.id}/consumption/",
        {"date": dt.datetime.now(ZONE).date().isoformat()},
    )
    expected = f"€{today.json()['total_cost']:.2f}"
    expect(card.locator("[data-cost-today]")).to_contain_text(expected)
    expect(card.locator("[data-cost-month]")).to_contain_text("€")
    expect(card.locator("[data-cost-projected]")).to_be_visible()
    screenshot(page, "dashboard-costs")


def test_live_demand_comes_over_the_socket_to_the_device_page_and_the_dashboard(
    signed_in_page, priced_meter
):
    client, device, _ = priced_meter
    page = signed_in_page(client, f"/devices/{device.id}/?view=day")
    shown = page.locator("[data-demand]")
    # From the REST answer first: the fixture's readings run up to now, 10 minutes apart.
    expect(shown).to_have_text(re.compile(r"^\d+\.\d\d kW$"))
    demand = {
        "device": str(device.id),
        "kw": 7.25,
        "at": dt.datetime.now(dt.UTC).isoformat(),
        "interval_seconds": 600.0,
        "stale": False,
    }

    def push():
        layer = get_channel_layer()
        async_to_sync(layer.group_send)(
            demand_group(client.id), {"type": "demand.updated", "demand": demand}
        )

    # The socket opens after the page's first requests; push until the page shows it.
    page.wait_for_function("() => document.querySelector('[data-demand]').textContent !== '…'")
    for _ in range(20):
        in_a_thread(push)
        if shown.inner_text() == "7.25 kW":
            break
        page.wait_for_timeout(250)
    expect(shown).to_have_text("7.25 kW")

    dashboard = signed_in_page(client, "/dashboard/")
    card_demand = dashboard.locator(f'[data-device-id="{device.id}"] [data-demand]')
    expect(card_demand).to_have_text(re.compile(r"kW$"))
    demand["kw"] = 0.5
    for _ in range(20):
        in_a_thread(push)
        if card_demand.inner_text() == "0.50 kW":
            break
        dashboard.wait_for_timeout(250)
    expect(card_demand).to_have_text("0.50 kW")
