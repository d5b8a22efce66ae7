"""GET /api/devices/{id}/consumption/: local hours and report buckets from the hourly table."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from apps.monitoring.models import HourlyConsumption

from .conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

UTC = dt.UTC


def url(device_id) -> str:
    return f"/api/devices/{device_id}/consumption/"


def store_hours(device_id, values: dict[dt.datetime, str]) -> None:
    HourlyConsumption.objects.using("monitoring").bulk_create(
        HourlyConsumption(device_id=device_id, hour_start=hour, kwh=Decimal(kwh))
        for hour, kwh in values.items()
    )


@pytest.fixture
def device_of_a(client_a):
    return make_device(owner_id=client_a.id)


def test_a_day_has_one_entry_per_local_hour_with_missing_hours_as_gaps(api_a, device_of_a):
    # Alice's zone is Europe/Bucharest (UTC+2 in January): 10:00 UTC is 12:00 local.
    store_hours(device_of_a, {dt.datetime(2026, 1, 15, 10, tzinfo=UTC): "1.5"})
    response = api_a.get(url(device_of_a), {"date": "2026-01-15"})
    assert response.status_code == 200
    body = response.json()
    assert (body["device"], body["date"], body["timezone"], body["unit"]) == (
        str(device_of_a),
        "2026-01-15",
        "Europe/Bucharest",
        "kWh",
    )
    assert len(body["hours"]) == 24
    assert body["hours"][0] == {
        "start": "2026-01-15T00:00:00+02:00",
        "kwh": None,
        "estimated": False,
    }
    assert body["hours"][12] == {
        "start": "2026-01-15T12:00:00+02:00",
        "kwh": 1.5,
        "estimated": False,
    }
    assert body["total"] == 1.5


def test_the_time_zone_can_be_chosen_with_tz(api_a, device_of_a):
    store_hours(device_of_a, {dt.datetime(2026, 1, 15, 10, tzinfo=UTC): "1.5"})
    body = api_a.get(url(device_of_a), {"date": "2026-01-15", "tz": "UTC"}).json()
    assert body["timezone"] == "UTC"
    assert body["hours"][10]["start"] == "2026-01-15T10:00:00+00:00"
    assert body["hours"][10]["kwh"] == 1.5


def test_an_unknown_time_zone_is_a_400(api_a, device_of_a):
    response = api_a.get(url(device_of_a), {"date": "2026-01-15", "tz": "Mars/Olympus"})
    assert response.status_code == 400
    assert "time zone" in response.json()["detail"]


@pytest.mark.parametrize(("date", "hours"), [("2026-03-29", 23), ("2026-10-25", 25)])
def test_a_dst_day_in_bucharest_has_23_or_25_hours(api_a, device_of_a, date, hours):
    day = dt.date.fromisoformat(date)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=UTC) - dt.timedelta(hours=4)
    store_hours(device_of_a, {start + dt.timedelta(hours=h): "1" for h in range(30)})
    body = api_a.get(url(device_of_a), {"date": date}).json()
    assert len(body["hours"]) == hours
    assert body["total"] == hours
    starts = [entry["start"] for entry in body["hours"]]
    assert len(set(starts)) == hours


def test_a_report_sums_local_days(api_a, device_of_a):
    # 22:00 UTC on the 14th is already midnight of the 15th in Bucharest; 21:00 is not.
    store_hours(
        device_of_a,
        {
            dt.datetime(2026, 1, 14, 21, tzinfo=UTC): "2",
            dt.datetime(2026, 1, 14, 22, tzinfo=UTC): "3",
            dt.datetime(2026, 1, 16, 9, tzinfo=UTC): "4",
        },
    )
    response = api_a.get(
        url(device_of_a), {"from": "2026-01-14", "to": "2026-01-16", "bucket": "day"}
    )
    body = response.json()
    assert [(b["start"], b["kwh"]) for b in body["buckets"]] == [
        ("2026-01-14T00:00:00+02:00", 2.0),
        ("2026-01-15T00:00:00+02:00", 3.0),
        ("2026-01-16T00:00:00+02:00", 4.0),
    ]
    assert (body["from"], body["to"], body["bucket"], body["total"]) == (
        "2026-01-14",
        "2026-01-16",
        "day",
        9.0,
    )


def test_a_report_by_month(api_a, device_of_a):
    store_hours(
        device_of_a,
        {dt.datetime(2026, 2, 3, tzinfo=UTC): "1", dt.datetime(2026, 4, 30, tzinfo=UTC): "2"},
    )
    body = api_a.get(
        url(device_of_a), {"from": "2026-02-10", "to": "2026-04-02", "bucket": "month"}
    ).json()
    assert [(b["start"][:10], b["kwh"]) for b in body["buckets"]] == [
        ("2026-02-01", 1.0),
        ("2026-03-01", None),
        ("2026-04-01", 2.0),
    ]


@pytest.mark.parametrize(
    ("bucket", "to"), [("hour", "2026-02-15"), ("day", "2027-02-01"), ("month", "2036-03-01")]
)
def test_a_range_too_long_for_its_bucket_is_a_400_that_says_so(api_a, device_of_a, bucket, to):
    response = api_a.get(url(device_of_a), {"from": "2026-01-01", "to": to, "bucket": bucket})
    assert response.status_code == 400
    assert "at most" in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"date": "2026-13-01"},
        {"from": "2026-01-02", "to": "2026-01-01"},
        {"from": "2026-01-01"},
    ],
)
def test_bad_parameters_are_a_400(api_a, device_of_a, query):
    assert api_a.get(url(device_of_a), query).status_code == 400


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date": "9999-12-31"}, {"date"}),
        ({"date": "0001-01-01"}, {"date"}),
        ({"date": "1969-12-31"}, {"date"}),
        ({"date": "3000-01-01"}, {"date"}),
        *[
            ({"from": first, "to": last, "bucket": bucket}, field)
            for bucket in ["hour", "day", "month"]
            for first, last, field in [
                ("0001-01-01", "0001-01-01", {"from", "to"}),
                ("9999-12-30", "9999-12-31", {"from", "to"}),
                ("0001-01-01", "2026-01-01", {"from"}),
                ("2026-01-01", "9999-12-31", {"to"}),
            ]
        ],
    ],
)
def test_a_day_outside_the_supported_years_is_a_400_that_names_the_field(
    api_a, device_of_a, query, field, fmt
):
    response = api_a.get(url(device_of_a), query | {"format": fmt})
    assert response.status_code == 400
    assert response.json()["errors"].keys() == field
    assert "from 1970-01-01 to 2999-12-31" in response.json()["detail"]


@pytest.mark.parametrize("day", ["1970-01-01", "2999-12-31"])
def test_the_first_and_last_supported_days_are_answered(api_a, device_of_a, day):
    for zone in ["Pacific/Kiritimati", "Etc/GMT+12"]:  # the zones furthest east and west
        response = api_a.get(url(device_of_a), {"date": day, "tz": zone})
        assert response.status_code == 200
    response = api_a.get(url(device_of_a), {"from": day, "to": day, "bucket": "month"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "zone",
    ["America", "Etc", "America/", "Europe/../Etc/UTC", "__pycache__", "zone.tab", "Mars/Base"],
)
def test_a_name_that_is_not_a_time_zone_is_a_400_on_tz(api_a, device_of_a, zone):
    response = api_a.get(url(device_of_a), {"date": "2026-01-15", "tz": zone})
    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"tz"}


def test_a_bad_from_is_reported_as_from(api_a, device_of_a):
    response = api_a.get(url(device_of_a), {"from": "soon", "to": "2026-01-15"})
    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"from"}


def test_csv_is_a_download_with_a_sensible_filename(api_a, device_of_a):
    store_hours(device_of_a, {dt.datetime(2026, 1, 15, 10, tzinfo=UTC): "1.5"})
    response = api_a.get(url(device_of_a), {"date": "2026-01-15", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="consumption-{device_of_a}-2026-01-15-hour.csv"'
    )
    lines = response.content.decode().splitlines()
    assert lines[0] == "start,kwh,estimated,cost,currency"
    assert lines[13] == "2026-01-15T12:00:00+02:00,1.50000000,false,,"
    assert len(lines) == 25


def test_csv_errors_are_still_json(api_a, device_of_a):
    response = api_a.get(url(device_of_a), {"format": "csv"})
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous_api", 401), ("api_a", 200), ("api_b", 404), ("api_admin", 200)],
)
def test_who_may_read_a_devices_consumption(request, device_of_a, caller, expected):
    api = request.getfixturevalue(caller)
    assert api.get(url(device_of_a), {"date": "2026-01-15"}).status_code == expected


def test_a_deleted_or_unknown_device_is_a_404(api_admin, client_a):
    deleted = make_device(owner_id=client_a.id, deleted=True)
    assert api_admin.get(url(deleted), {"date": "2026-01-15"}).status_code == 404
    assert api_admin.get(url(uuid.uuid4()), {"date": "2026-01-15"}).status_code == 404


def test_a_day_view_reads_the_device_and_its_hours_in_two_round_trips(api_a, device_of_a):
    # The device, the caller's periods of it and whether it has a tariff come in one query, the
    # hours in a second: the page a client opens most is cheap whatever the meter's history.
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    store_hours(device_of_a, {dt.datetime(2026, 1, 15, 10, tzinfo=UTC): "1.5"})
    with CaptureQueriesContext(connections["monitoring"]) as monitoring:
        response = api_a.get(url(device_of_a), {"date": "2026-01-15"})
    assert response.status_code == 200
    assert response.json()["total"] == 1.5
    assert len(monitoring.captured_queries) == 2
