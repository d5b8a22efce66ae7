"""Limits that fit: the suggested `max_hourly_kwh` and the alerts it would have raised."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.monitoring.limit_suggestion import limit_suggestion, suggested_limit
from apps.monitoring.models import HourlyConsumption
from apps.monitoring.ownership import hour_floor

from .conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

HOUR = dt.timedelta(hours=1)
NOW = dt.datetime(2026, 12, 1, 21, 30, tzinfo=dt.UTC)


def is_monday_evening(hour: dt.datetime) -> bool:
    return hour.weekday() == 0 and hour.hour == 18


def store_history(device_id, *, until: dt.datetime, hours: int) -> list[HourlyConsumption]:
    """1 kWh an hour, 3 kWh on Monday 18:00 UTC, 5 kWh on the oldest of those Mondays, and one
    estimated 9 kWh hour yesterday (estimates count for nothing)."""
    rows, mondays = [], 0
    for back in range(hours, 0, -1):
        hour = until - back * HOUR
        kwh = Decimal(1)
        if is_monday_evening(hour):
            kwh = Decimal(5) if mondays == 0 else Decimal(3)
            mondays += 1
        rows.append(HourlyConsumption(device_id=device_id, hour_start=hour, kwh=kwh))
    rows[-24].kwh, rows[-24].estimated = Decimal(9), True
    return HourlyConsumption.objects.using("monitoring").bulk_create(rows)


@pytest.mark.parametrize(
    ("highest", "expected"),
    [
        (Decimal("1"), Decimal("1.100")),
        (Decimal("4.86"), Decimal("5.346")),
        (Decimal("1.2345"), Decimal("1.358")),  # 1.35795 rounded up, never down
        (Decimal("0.0001"), Decimal("0.001")),
        (Decimal("0"), Decimal("0.001")),  # a limit is positive
    ],
)
def test_it_suggests_the_highest_percentile_plus_the_margin_rounded_up(highest, expected):
    assert suggested_limit(highest_percentile=highest) == expected


def test_it_fits_the_busiest_hour_of_the_week_over_eight_weeks():
    meter = make_device(max_hourly_kwh="2")
    store_history(meter, until=hour_floor(NOW), hours=8 * 7 * 24)
    found = limit_suggestion(device_id=meter, now=NOW)
    # Monday 18:00 holds 3,3,3,3,3,3,3,5: its 99th percentile is 3 + 0.93 * 2 = 4.86; + 10%.
    assert found.suggested_kwh == Decimal("5.346")
    assert found.history_hours == 8 * 7 * 24 - 1


def test_it_counts_the_alerts_each_limit_would_have_raised_in_30_days():
    meter = make_device(max_hourly_kwh="2")
    rows = store_history(meter, until=hour_floor(NOW), hours=8 * 7 * 24)
    since = hour_floor(NOW) - dt.timedelta(days=30)
    expected = sum(
        1 for row in rows if row.hour_start >= since and not row.estimated and row.kwh > 2
    )
    found = limit_suggestion(device_id=meter, now=NOW)
    assert expected == 5  # the Mondays from 2 to 30 November
    assert found.alerts_with_current == expected
    assert found.alerts_with_suggested == 0


def test_it_suggests_nothing_with_less_than_two_weeks_of_history():
    meter = make_device(max_hourly_kwh="2")
    store_history(meter, until=hour_floor(NOW), hours=13 * 24)
    found = limit_suggestion(device_id=meter, now=NOW)
    assert found.suggested_kwh is None
    assert found.alerts_with_suggested is None
    assert found.alerts_with_current == 2  # Monday 23 and 30 November


def test_it_answers_administrators_over_http(api_admin):
    meter = make_device(max_hourly_kwh="2")
    store_history(meter, until=hour_floor(dt.datetime.now(dt.UTC)), hours=8 * 7 * 24)
    response = api_admin.get(f"/api/devices/{meter}/consumption/limit-suggestion/")
    assert response.status_code == 200
    body = response.json()
    assert body["current_max_hourly_kwh"] == "2.000"
    assert body["suggested_max_hourly_kwh"] == "5.346"
    assert body["alerts_last_30_days"]["suggested"] == 0
    assert body["alerts_last_30_days"]["current"] >= 4


def test_it_refuses_clients_even_the_owner(api_a, client_a):
    meter = make_device(owner_id=client_a.id)
    response = api_a.get(f"/api/devices/{meter}/consumption/limit-suggestion/")
    assert response.status_code == 403


def test_it_answers_404_for_an_unknown_meter(api_admin):
    response = api_admin.get(
        "/api/devices/00000000-0000-0000-0000-000000000000/consumption/limit-suggestion/"
    )
    assert response.status_code == 404
