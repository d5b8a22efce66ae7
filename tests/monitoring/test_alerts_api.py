"""GET /api/alerts/ and POST /api/alerts/{id}/acknowledge/: own alerts, administrators all."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.monitoring.models import Alert

from .conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

URL = "/api/alerts/"


def make_alert(device_id, owner_id, hour: int) -> Alert:
    return Alert.objects.using("monitoring").create(
        device_id=device_id,
        owner_id=owner_id,
        hour_start=dt.datetime(2026, 1, 15, hour, tzinfo=dt.UTC),
        kwh=Decimal("7.5"),
        max_hourly_kwh=Decimal("5"),
        created_at=timezone.now(),
    )


@pytest.fixture
def alerts(client_a, client_b):
    device_a = make_device(owner_id=client_a.id)
    device_b = make_device(owner_id=client_b.id)
    return {
        "a1": make_alert(device_a, client_a.id, 10),
        "a2": make_alert(device_a, client_a.id, 11),
        "b1": make_alert(device_b, client_b.id, 10),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200
    return {alert["id"] for alert in response.json()["results"]}


def test_an_alert_has_the_contract_fields(api_a, alerts):
    alert = api_a.get(URL).json()["results"][-1]
    assert alert == {
        "id": alerts["a1"].id,
        "kind": "over_limit",
        "device": str(alerts["a1"].device_id),
        "description": "test meter",
        "owner": alerts["a1"].owner_id,
        "hour_start": "2026-01-15T10:00:00+00:00",
        "kwh": 7.5,
        "max_hourly_kwh": 5.0,
        "state": "open",
        "created_at": alerts["a1"].created_at.isoformat(),
        "acknowledged_at": None,
        "comment": "",
        "withdrawn_at": None,
        "resolved_at": None,
    }


def test_a_client_sees_only_their_own_alerts_and_an_administrator_all(
    api_a, api_b, api_admin, alerts
):
    assert ids(api_a.get(URL)) == {alerts["a1"].id, alerts["a2"].id}
    assert ids(api_b.get(URL)) == {alerts["b1"].id}
    assert ids(api_admin.get(URL)) == {alert.id for alert in alerts.values()}


def test_an_anonymous_caller_is_unauthorized(anonymous_api, alerts):
    assert anonymous_api.get(URL).status_code == 401
    assert anonymous_api.post(f"{URL}{alerts['a1'].id}/acknowledge/").status_code == 401


def test_alerts_filter_by_device_and_acknowledged(api_admin, alerts):
    device_b = alerts["b1"].device_id
    assert ids(api_admin.get(URL, {"device": str(device_b)})) == {alerts["b1"].id}
    api_admin.post(f"{URL}{alerts['a2'].id}/acknowledge/")
    assert ids(api_admin.get(URL, {"acknowledged": "true"})) == {alerts["a2"].id}
    assert ids(api_admin.get(URL, {"acknowledged": "false"})) == {alerts["a1"].id, alerts["b1"].id}


def test_since_an_id_gives_the_later_alerts_oldest_first_for_catch_up(api_a, alerts):
    response = api_a.get(URL, {"since": alerts["a1"].id})
    assert [alert["id"] for alert in response.json()["results"]] == [alerts["a2"].id]


def test_since_a_time_gives_the_alerts_created_after_it(api_a, alerts):
    before = (alerts["a1"].created_at - dt.timedelta(seconds=1)).isoformat()
    assert ids(api_a.get(URL, {"since": before})) == {alerts["a1"].id, alerts["a2"].id}
    assert ids(api_a.get(URL, {"since": timezone.now().isoformat()})) == set()


def test_a_bad_since_is_a_400(api_a, alerts):
    assert api_a.get(URL, {"since": "last tuesday"}).status_code == 400


@pytest.mark.parametrize(
    "since",
    [
        "²",
        "١٢",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
    ],
)
def test_an_odd_since_is_a_400_that_names_it(api_a, alerts, since):
    response = api_a.get(URL, {"since": since})
    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"since"}


def test_since_a_time_with_an_offset_postgresql_refuses_is_read_in_utc(api_a, alerts):
    # Python accepts offsets up to ±23:59, PostgreSQL only to ±15:59.
    before = alerts["a1"].created_at - dt.timedelta(seconds=1)
    far_east = before.astimezone(dt.timezone(dt.timedelta(hours=23, minutes=59)))
    response = api_a.get(URL, {"since": far_east.isoformat()})
    assert ids(response) == {alerts["a1"].id, alerts["a2"].id}


def test_since_an_id_larger_than_any_is_an_empty_page(api_a, alerts):
    assert ids(api_a.get(URL, {"since": "9" * 30})) == set()


def test_the_owner_acknowledges_once_and_again_changes_nothing(api_a, alerts):
    first = api_a.post(f"{URL}{alerts['a1'].id}/acknowledge/")
    second = api_a.post(f"{URL}{alerts['a1'].id}/acknowledge/")
    assert first.status_code == second.status_code == 200
    assert first.json()["acknowledged_at"] is not None
    assert second.json()["acknowledged_at"] == first.json()["acknowledged_at"]


def test_another_client_cannot_acknowledge_and_gets_a_404(api_b, alerts):
    assert api_b.post(f"{URL}{alerts['a1'].id}/acknowledge/").status_code == 404
    alerts["a1"].refresh_from_db(using="monitoring")
    assert alerts["a1"].acknowledged_at is None


def test_an_administrator_acknowledges_any_alert(api_admin, alerts):
    assert api_admin.post(f"{URL}{alerts['b1'].id}/acknowledge/").status_code == 200


def test_an_unknown_alert_is_a_404(api_admin):
    assert api_admin.post(f"{URL}999999/acknowledge/").status_code == 404
