"""Consumption answers never pretend: a gap is null, an estimate says so, no future is shown."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from apps.monitoring.models import HourlyConsumption
from apps.monitoring.services import readings_ingest

from .conftest import make_device, reading, recent_day

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

UTC = dt.UTC
H = dt.timedelta(hours=1)


def url(device_id) -> str:
    return f"/api/devices/{device_id}/consumption/"


def store_hours(device_id, values: dict[dt.datetime, str], estimated=()) -> None:
    HourlyConsumption.objects.using("monitoring").bulk_create(
        HourlyConsumption(
            device_id=device_id, hour_start=hour, kwh=Decimal(kwh), estimated=hour in estimated
        )
        for hour, kwh in values.items()
    )


@pytest.fixture
def meter(client_a):
    return make_device(owner_id=client_a.id)


def test_it_answers_an_hour_without_data_as_null_and_a_measured_zero_as_zero(api_a, meter):
    day = dt.datetime(2026, 1, 15, tzinfo=UTC)
    store_hours(meter, {day + 3 * H: "0", day + 4 * H: "1.25"})
    hours = api_a.get(url(meter), {"date": "2026-01-15", "tz": "UTC"}).json()["hours"]
    assert [hour["kwh"] for hour in hours[2:6]] == [None, 0.0, 1.25, None]
    assert not any(hour.get("future") or hour.get("hidden") for hour in hours)


def test_it_marks_the_hours_of_a_long_gap_estimated_and_their_day(api_a, meter):
    day = recent_day()
    # Index readings at 10:00, 10:10 and then 14:10: 4 hours without a reading.
    readings_ingest(
        raw_readings=[
            reading(meter, day + 10 * H, 100),
            reading(meter, day + 10 * H + dt.timedelta(minutes=10), 101),
            reading(meter, day + 14 * H + dt.timedelta(minutes=10), 109),
        ]
    )
    date = day.date().isoformat()
    hours = api_a.get(url(meter), {"date": date, "tz": "UTC"}).json()["hours"]
    assert [hour["estimated"] for hour in hours[9:16]] == [False] + [True] * 5 + [False]
    assert hours[10]["kwh"] == pytest.approx(1 + 8 * 50 / 240)
    (bucket,) = api_a.get(
        url(meter), {"from": date, "to": date, "bucket": "day", "tz": "UTC"}
    ).json()["buckets"]
    assert bucket["estimated"] is True
    assert bucket["kwh"] == 9.0


def test_a_day_with_hours_missing_is_incomplete_and_the_coverage_counts_them(api_a, meter):
    first = dt.datetime(2026, 1, 14, tzinfo=UTC)
    store_hours(meter, {first + hour * H: "1" for hour in range(24)})
    store_hours(meter, {first + 24 * H + hour * H: "1" for hour in range(6)})
    body = api_a.get(
        url(meter), {"from": "2026-01-14", "to": "2026-01-16", "bucket": "day", "tz": "UTC"}
    ).json()
    flags = [(bucket["kwh"], bucket.get("incomplete", False)) for bucket in body["buckets"]]
    assert flags == [(24.0, False), (6.0, True), (None, True)]
    assert body["coverage"] == {"hours": 72, "hours_with_data": 30}


def test_hours_that_have_not_begun_are_neither_shown_nor_counted(api_a, meter):
    now = dt.datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    # Stored rows in the future too (a meter's clock may run ahead): still not shown.
    store_hours(meter, {today + hour * H: "2" for hour in range(24)})
    body = api_a.get(url(meter), {"date": today.date().isoformat(), "tz": "UTC"}).json()
    begun = now.hour + 1
    assert [hour["kwh"] for hour in body["hours"]] == [2.0] * begun + [None] * (24 - begun)
    assert all(hour.get("future") for hour in body["hours"][begun:])
    assert not any(hour.get("future") for hour in body["hours"][:begun])
    assert body["total"] == 2.0 * begun
    assert body["coverage"] == {"hours": begun, "hours_with_data": begun}
    csv_text = api_a.get(
        url(meter), {"date": today.date().isoformat(), "tz": "UTC", "format": "csv"}
    ).content.decode()
    _, *rows = csv.reader(io.StringIO(csv_text))
    assert [row[0] for row in rows][-1] == this_hour.isoformat()
    assert len(rows) == begun


def test_a_future_day_has_no_peak_and_no_total(api_a, meter):
    tomorrow = (dt.datetime.now(UTC) + dt.timedelta(days=1)).date().isoformat()
    body = api_a.get(url(meter), {"date": tomorrow, "tz": "UTC"}).json()
    assert body["total"] is None
    assert all(hour["kwh"] is None and hour["future"] for hour in body["hours"])


def test_the_csv_writes_a_gap_as_an_empty_cell_and_says_which_rows_are_estimated(api_a, meter):
    day = dt.datetime(2026, 1, 15, tzinfo=UTC)
    store_hours(meter, {day + 4 * H: "1.25", day + 6 * H: "3"}, estimated={day + 6 * H})
    text = api_a.get(
        url(meter), {"date": "2026-01-15", "tz": "UTC", "format": "csv"}
    ).content.decode()
    header, *rows = csv.reader(io.StringIO(text))
    assert header == ["start", "kwh", "estimated", "cost", "currency"]
    assert rows[4][:3] == ["2026-01-15T04:00:00+00:00", "1.25000000", "false"]
    assert rows[5][:3] == ["2026-01-15T05:00:00+00:00", "", "false"]
    assert rows[6][:3] == ["2026-01-15T06:00:00+00:00", "3.00000000", "true"]
    assert len(rows) == 24
