"""A meter reassigned from A to B: each client reads only the hours of their own period (HTTP)."""

import asyncio
import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest

from apps.monitoring.models import Alert, HourlyConsumption
from apps.monitoring.projection import device_projection_apply
from apps.monitoring.services import readings_ingest
from ems.groups import user_group
from tests.factories import api_client_for, create_user

from .conftest import group_listener, reading, received, recent_day

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

H = dt.timedelta(hours=1)


def url(device_id) -> str:
    return f"/api/devices/{device_id}/consumption/"


@pytest.fixture
def day() -> dt.datetime:
    return recent_day()


@pytest.fixture
def handed_over(day):
    """The moment the meter went from A to B: 10:37 UTC on `day`."""
    return day + 10 * H + dt.timedelta(minutes=37)


def _project(device_id, version, owner_id, changed_at, max_hourly_kwh="5.000"):
    device_projection_apply(
        event={
            "device_id": str(device_id),
            "version": version,
            "owner_id": owner_id,
            "max_hourly_kwh": max_hourly_kwh,
            "meter_kind": "index",
            "description": "Flat 3",
            "deleted": False,
            "changed_at": changed_at.isoformat(),
        }
    )


@pytest.fixture
def meter(client_a, client_b, day, handed_over):
    """A's meter from a week before `day`, B's from `handed_over`; 1 kWh more every hour of the
    day before and of `day` (hour i of the two days: i + 1 kWh)."""
    device_id = uuid.uuid4()
    _project(device_id, 1, client_a.id, day - 7 * 24 * H)
    _project(device_id, 2, client_b.id, handed_over)
    HourlyConsumption.objects.using("monitoring").bulk_create(
        HourlyConsumption(device_id=device_id, hour_start=day - 24 * H + i * H, kwh=Decimal(i + 1))
        for i in range(48)
    )
    return device_id


def kwh_of_day(day_index: int, hour: int) -> float:
    return float(day_index * 24 + hour + 1)


def _day(api, meter, day):
    response = api.get(url(meter), {"date": day.date().isoformat(), "tz": "UTC"})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_new_owner_sees_nothing_before_the_hour_after_the_handover(api_b, meter, day):
    body = _day(api_b, meter, day)
    kwh = [hour["kwh"] for hour in body["hours"]]
    # The handover was at 10:37: 10:00-11:00 held A's energy too, so B's first hour is 11:00.
    assert kwh[:11] == [None] * 11
    assert kwh[11:] == [kwh_of_day(1, hour) for hour in range(11, 24)]
    assert body["total"] == sum(kwh[11:])
    assert body["visible_from"] == (day + 11 * H).isoformat()
    assert body["visible_to"] == (day + 24 * H).isoformat()


def test_the_new_owner_sees_nothing_at_all_of_the_days_before(api_b, meter, day):
    body = _day(api_b, meter, day - 24 * H)
    assert [hour["kwh"] for hour in body["hours"]] == [None] * 24
    assert body["total"] is None
    assert (body["visible_from"], body["visible_to"], body["visible_periods"]) == (None, None, [])


def test_the_former_owner_sees_their_own_hours_only(api_a, meter, day):
    body = _day(api_a, meter, day)
    kwh = [hour["kwh"] for hour in body["hours"]]
    assert kwh[:10] == [kwh_of_day(1, hour) for hour in range(10)]
    assert kwh[10:] == [None] * 14
    assert body["visible_from"] == day.isoformat()
    assert body["visible_to"] == (day + 10 * H).isoformat()
    assert [hour["kwh"] for hour in _day(api_a, meter, day - 24 * H)["hours"]] == [
        kwh_of_day(0, hour) for hour in range(24)
    ]


def test_an_administrator_sees_every_hour(api_admin, meter, day):
    body = _day(api_admin, meter, day)
    assert [hour["kwh"] for hour in body["hours"]] == [kwh_of_day(1, hour) for hour in range(24)]
    assert body["visible_periods"] == [
        {"start": day.isoformat(), "end": (day + 24 * H).isoformat()}
    ]


def test_a_report_by_day_leaves_out_the_other_owners_hours_and_marks_the_day_partial(
    api_a, api_b, meter, day
):
    query = {
        "from": (day - 24 * H).date().isoformat(),
        "to": day.date().isoformat(),
        "bucket": "day",
        "tz": "UTC",
    }
    bob = api_b.get(url(meter), query).json()["buckets"]
    assert bob[0] == {
        "start": (day - 24 * H).isoformat(),
        "kwh": None,
        "estimated": False,
        "hidden": True,
    }
    assert bob[1] == {
        "start": day.isoformat(),
        "kwh": sum(kwh_of_day(1, hour) for hour in range(11, 24)),
        "estimated": False,
        "partial": True,
    }
    alice = api_a.get(url(meter), query).json()["buckets"]
    assert alice[0] == {
        "start": (day - 24 * H).isoformat(),
        "kwh": sum(kwh_of_day(0, hour) for hour in range(24)),
        "estimated": False,
    }
    assert alice[1]["kwh"] == sum(kwh_of_day(1, hour) for hour in range(10))
    assert alice[1]["partial"] is True


def test_a_report_by_month_holds_only_the_callers_hours(api_b, meter, day):
    month = day.date().replace(day=1).isoformat()
    query = {"from": month, "to": month, "bucket": "month", "tz": "UTC"}
    (bucket,) = api_b.get(url(meter), query).json()["buckets"]
    assert bucket["kwh"] == sum(kwh_of_day(1, hour) for hour in range(11, 24))
    assert bucket["partial"] is True


def _csv_rows(api, meter, day) -> list[list[str]]:
    query = {
        "from": (day - 24 * H).date().isoformat(),
        "to": day.date().isoformat(),
        "bucket": "hour",
        "tz": "UTC",
        "format": "csv",
    }
    response = api.get(url(meter), query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_holds_only_the_callers_hours(api_a, api_b, api_admin, meter, day):
    header, *bob = _csv_rows(api_b, meter, day)
    assert header == ["start", "kwh", "estimated", "cost", "currency"]
    assert [row[0] for row in bob] == [(day + hour * H).isoformat() for hour in range(11, 24)]
    assert [float(row[1]) for row in bob] == [kwh_of_day(1, hour) for hour in range(11, 24)]
    _, *alice = _csv_rows(api_a, meter, day)
    assert [row[0] for row in alice] == [(day - 24 * H + i * H).isoformat() for i in range(34)]
    _, *everything = _csv_rows(api_admin, meter, day)
    assert len(everything) == 48


def test_a_client_who_never_owned_the_meter_gets_404(meter, day):
    stranger = api_client_for(create_user(username="carol"))
    assert stranger.get(url(meter), {"date": day.date().isoformat()}).status_code == 404


def test_the_former_owner_lists_the_meter_with_the_hours_they_may_read(
    api_a, api_b, api_admin, meter, day
):
    page = api_a.get("/api/devices/former/").json()
    assert page["count"] == 1
    (former,) = page["results"]
    assert (former["id"], former["description"], former["max_hourly_kwh"]) == (
        str(meter),
        "Flat 3",
        "5.000",
    )
    assert former["periods"] == [
        {"start": None, "end": (day + 10 * H).isoformat().replace("+00:00", "Z")}
    ]
    # B owns it now: it is in B's own list (the devices API), not among B's former meters.
    assert api_b.get("/api/devices/former/").json()["count"] == 0
    assert api_admin.get("/api/devices/former/").json()["count"] == 0


def test_a_deleted_meter_is_gone_for_its_former_owner_too(api_a, meter, day, handed_over):
    device_projection_apply(
        event={
            "device_id": str(meter),
            "version": 3,
            "owner_id": None,
            "max_hourly_kwh": "5.000",
            "deleted": True,
            "changed_at": (handed_over + 24 * H).isoformat(),
        }
    )
    assert api_a.get(url(meter), {"date": day.date().isoformat()}).status_code == 404
    assert api_a.get("/api/devices/former/").json()["count"] == 0


def _alert(meter, hour_start, owner_id) -> Alert:
    return Alert.objects.using("monitoring").create(
        device_id=meter,
        owner_id=owner_id,
        hour_start=hour_start,
        kwh=Decimal("9"),
        max_hourly_kwh=Decimal("5"),
        created_at=hour_start + 2 * H,
    )


def _alert_ids(api) -> set[int]:
    return {alert["id"] for alert in api.get("/api/alerts/").json()["results"]}


def test_alerts_are_listed_by_the_owner_of_their_hour(
    api_a, api_b, api_admin, meter, day, client_b
):
    # Each raised while B held the meter (owner_id B): hour 9 from late readings, hour 10 the
    # hour of the handover, hour 12 B's own.
    late, shared, own = (_alert(meter, day + hour * H, client_b.id) for hour in (9, 10, 12))
    assert _alert_ids(api_b) == {own.id}
    assert _alert_ids(api_a) == {late.id}
    assert _alert_ids(api_admin) == {late.id, shared.id, own.id}
    assert api_b.post(f"/api/alerts/{late.id}/acknowledge/").status_code == 404
    assert api_a.post(f"/api/alerts/{late.id}/acknowledge/").status_code == 200


def test_late_readings_of_the_former_owners_hour_alert_the_former_owner_not_the_new_one(
    client_a, client_b, day, handed_over, django_capture_on_commit_callbacks
):
    device_id = uuid.uuid4()
    _project(device_id, 1, client_a.id, day - 7 * 24 * H)
    _project(device_id, 2, client_b.id, handed_over)
    alice, bob = (group_listener(user_group(user.id)) for user in (client_a, client_b))
    with django_capture_on_commit_callbacks(execute=True, using="monitoring"):
        # 20 kWh in 09:00-10:00, A's hour, arriving after B took the meter.
        readings_ingest(
            raw_readings=[reading(device_id, day + 9 * H, 0), reading(device_id, day + 10 * H, 20)]
        )
    alert = Alert.objects.using("monitoring").get(device_id=device_id)
    assert alert.owner_id == client_a.id
    message = received(alice, 2)
    assert message["alert"]["id"] == alert.id
    with pytest.raises(asyncio.TimeoutError):
        received(bob, 0.3)
