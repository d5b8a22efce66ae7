"""What the pages' scripts (static/js) assume of the REST APIs, pinned against the real ones.

docs/frontend.md lists these assumptions; each test here is one the scripts rely on, so an API
change that would break a page breaks a test first.
"""

import calendar
import datetime as dt

import pytest

from apps.monitoring.models import Alert
from tests.factories import api_client_for
from tests.web.meters import HOUR, assigned_meter_in_transaction, ingest

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


@pytest.fixture
def day() -> dt.datetime:
    """Midnight UTC three days ago: readings there are accepted and the day is complete."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=3)


@pytest.fixture
def alice(client_a):
    client_a.timezone = "UTC"
    client_a.save()
    return api_client_for(client_a)


@pytest.fixture
def meter(client_a):
    return assigned_meter_in_transaction(client_a, max_hourly_kwh="2.000")


@pytest.fixture
def three_alerts(meter, day) -> list[Alert]:
    # An index meter over its 2 kWh limit at 10:00, 11:00 and 12:00.
    ingest(meter, day + 10 * HOUR, 0.0, 2.5)
    ingest(meter, day + 11 * HOUR, 2.5, 5.5)
    ingest(meter, day + 12 * HOUR, 5.5, 9.5)
    return list(Alert.objects.using("monitoring").order_by("id"))


def test_alerts_are_listed_newest_first_and_since_an_id_oldest_first(alice, three_alerts):
    ids = [alert.id for alert in three_alerts]
    assert [a["id"] for a in alice.get("/api/alerts/").json()["results"]] == ids[::-1]
    since = alice.get("/api/alerts/", {"since": ids[0]}).json()
    assert [a["id"] for a in since["results"]] == ids[1:]
    # Before any alert was seen, the page keeps 0 as the last id.
    assert [a["id"] for a in alice.get("/api/alerts/", {"since": 0}).json()["results"]] == ids


def test_page_size_one_gives_the_count_and_a_next_link(alice, three_alerts):
    page = alice.get("/api/alerts/", {"acknowledged": "false", "page_size": 1}).json()
    assert (page["count"], len(page["results"])) == (3, 1)
    assert page["next"].startswith("http://testserver/api/alerts/?")


def test_acknowledging_answers_the_alert_and_the_filters_apply(alice, meter, three_alerts):
    first = three_alerts[0]
    answer = alice.post(f"/api/alerts/{first.id}/acknowledge/").json()
    assert answer["id"] == first.id
    assert answer["acknowledged_at"] is not None
    open_ones = alice.get("/api/alerts/", {"device": str(meter.id), "acknowledged": "false"})
    assert [a["id"] for a in open_ones.json()["results"]] == [a.id for a in three_alerts[:0:-1]]


def test_energy_comes_as_numbers_from_monitoring_and_as_strings_from_devices(
    alice, meter, three_alerts
):
    alert = alice.get("/api/alerts/").json()["results"][0]
    assert (alert["kwh"], alert["max_hourly_kwh"]) == (4.0, 2.0)
    assert alice.get(f"/api/devices/{meter.id}/").json()["max_hourly_kwh"] == "2.000"
    # format.js's number() reads both.


def test_a_day_has_an_entry_per_hour_with_its_start_and_a_total(alice, meter, three_alerts, day):
    answer = alice.get(
        f"/api/devices/{meter.id}/consumption/", {"date": day.date().isoformat()}
    ).json()
    assert len(answer["hours"]) == 24
    assert answer["hours"][10] == {
        "start": (day + 10 * HOUR).isoformat(),
        "kwh": 2.5,
        "estimated": False,
    }
    # An hour without data is null (a gap), never 0; the page draws it as a gap.
    assert answer["hours"][0]["kwh"] is None
    assert answer["total"] == 9.5


def test_weeks_and_months_are_daily_buckets_with_the_last_day_included(alice, meter, day):
    ingest(meter, day + 10 * HOUR, 0.0, 1.25)
    week_start = day.date() - dt.timedelta(days=day.weekday())
    week = alice.get(
        f"/api/devices/{meter.id}/consumption/",
        {"from": week_start, "to": week_start + dt.timedelta(days=6), "bucket": "day"},
    ).json()
    assert len(week["buckets"]) == 7
    assert week["buckets"][day.weekday()]["kwh"] == 1.25
    assert week["total"] == 1.25

    first = day.date().replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    month = alice.get(
        f"/api/devices/{meter.id}/consumption/", {"from": first, "to": last, "bucket": "day"}
    ).json()
    assert len(month["buckets"]) == last.day
    assert month["buckets"][day.day - 1]["start"].startswith(day.date().isoformat())


def test_the_csv_of_a_day_is_asked_as_one_day_of_hours(alice, meter, three_alerts, day):
    date = day.date().isoformat()
    response = alice.get(
        f"/api/devices/{meter.id}/consumption/",
        {"from": date, "to": date, "bucket": "hour", "format": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "start,kwh,estimated,cost,currency"
    assert len(lines) == 25
    assert lines[11] == f"{(day + 10 * HOUR).isoformat()},2.50000000,false,,"
