"""A client's consumption in a real browser: the dashboard's card and the device page's chart.

The data is made as production makes it: the device through the devices app's services, its
event applied to monitoring's projection by a real Celery worker, the readings through
monitoring's ingestion service. The chart is then compared with the REST API's answer.
"""

import datetime as dt
import math
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from apps.devices import services as device_services
from apps.monitoring.models import DeviceProjection
from apps.monitoring.services import readings_ingest
from ems.events import EVENTS_QUEUE
from tests.factories import STRONG_PASSWORD, api_client_for
from tests.workers import celery_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

ZONE = ZoneInfo("Europe/Bucharest")
STEP = dt.timedelta(minutes=15)
LIMIT = Decimal("2.5")


def usage_per_quarter_hour(at: dt.datetime) -> float:
    """A household's day: low at night, a morning and a larger evening peak (kWh per 15 min),
    a little different from one day to the next."""
    local = at.astimezone(ZONE)
    hour = local.hour + local.minute / 60
    morning = 0.35 * math.exp(-((hour - 7.5) ** 2) / 2)
    evening = 0.75 * math.exp(-((hour - 19.5) ** 2) / 3)
    return round((0.08 + morning + evening) * (1 + 0.08 * (local.toordinal() % 3)), 3)


def index_readings(device_id, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """An index meter's readings every 15 minutes from `start` through `end`."""
    readings, value, at = [], 1000.0, start
    while at <= end:
        readings.append(
            {
                "device_id": str(device_id),
                "timestamp": at.isoformat(),
                "measurement_value": round(value, 3),
            }
        )
        value += usage_per_quarter_hour(at)
        at += STEP
    return readings


@pytest.fixture
def metered_client(client_a):
    """Alice in Bucharest with one meter, its projection in monitoring, and its readings every
    15 minutes from five days ago up to now (so the dashboard's card has data too)."""
    client_a.timezone = "Europe/Bucharest"
    client_a.save()
    with celery_worker(EVENTS_QUEUE):
        device = device_services.device_create(
            description="Kitchen meter",
            address="Strada Lalelelor 7, Cluj",
            max_hourly_kwh=LIMIT,
            owner_id=client_a.id,
        )
        projected = wait_until(
            lambda: DeviceProjection.objects.filter(id=device.id, owner_id=client_a.id).exists(),
            timeout=30,
        )
    assert projected, "the device's event did not reach monitoring's projection"

    now = dt.datetime.now(dt.UTC)
    day = (now.astimezone(ZONE) - dt.timedelta(days=4)).date()
    # One meter's index, without gaps, from the day before the chosen one (the page compares
    # with it) up to now.
    first = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=ZONE)
    readings = index_readings(device.id, first, now)
    for start in range(0, len(readings), 200):
        readings_ingest(raw_readings=readings[start : start + 200])
    return client_a, device, day


def test_the_chart_of_a_chosen_day_shows_the_hourly_values_the_api_returns(
    page, live_server, metered_client, screenshot
):
    client, device, day = metered_client

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(client.username)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/dashboard/")
    card = page.locator(f'[data-device-id="{device.id}"]')
    expect(card.get_by_text("Today so far")).to_be_visible()
    # In the first minutes of an hour (before its first 15-minute reading) the hour has no data
    # yet, and says so rather than drawing 0.
    expect(card.get_by_role("meter").or_(card.get_by_text("no data yet"))).to_be_visible()
    screenshot(page, "dashboard")

    card.get_by_role("link", name="Kitchen meter").click()
    # The page writes the period it shows into the address once it has drawn it.
    expect(page).to_have_url(
        re.compile(rf"{re.escape(live_server.url)}/devices/{device.id}/(\?.*)?$")
    )
    expect(page.get_by_role("heading", name="Kitchen meter")).to_be_visible()
    page.get_by_label("Date").fill(day.isoformat())
    status = page.locator("[data-status]")
    expect(status).to_contain_text(f"Showing the day of {day.isoformat()}")
    expect(status).to_contain_text("Europe/Bucharest")
    expect(page).to_have_url(
        f"{live_server.url}/devices/{device.id}/?view=day&date={day.isoformat()}"
    )

    api = api_client_for(client).get(
        f"/api/devices/{device.id}/consumption/", {"date": day.isoformat()}
    )
    assert api.status_code == 200
    expected = [hour["kwh"] for hour in api.json()["hours"]]
    assert len(expected) == 24
    assert any(kwh > float(LIMIT) for kwh in expected)

    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector("[data-device-page] canvas"));
            return {
                labels: chart.data.labels,
                bars: chart.data.datasets.find((set) => set.type === "bar").data,
                limit: chart.data.datasets.find((set) => set.label.startsWith("Maximum")).data,
            };
        }"""
    )
    assert chart["bars"] == expected
    assert chart["labels"] == [f"{hour:02d}:00" for hour in range(24)]
    assert chart["limit"] == [float(LIMIT)] * 24
    # The same values, rounded, in the table under the chart.
    page.get_by_text("Values as a table").click()
    cells = page.locator("[data-table] tbody td.numeric").all_inner_texts()
    assert [float(cell.split()[0]) for cell in cells] == [round(kwh, 3) for kwh in expected]
    # The screenshot must show the chart drawn: a viewport as tall as the page (a full-page
    # capture would otherwise resize it, and Chart.js clears the canvas on a resize until it
    # redraws), no animation, and two frames for the redraw.
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": height})
    page.evaluate(
        """() => new Promise((drawn) => {
            const chart = Chart.getChart(document.querySelector("[data-device-page] canvas"));
            chart.options.animation = false;
            chart.resize();
            chart.update("none");
            requestAnimationFrame(() => requestAnimationFrame(drawn));
        })"""
    )
    screenshot(page, "device")
