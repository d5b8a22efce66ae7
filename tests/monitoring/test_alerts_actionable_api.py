"""Alerts that say what they are: the meter's description, the owner, time order, acknowledging
with a comment, and acknowledging all (or all of one meter) at once."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.monitoring.models import Alert

from .conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

URL = "/api/alerts/"
ALL_URL = "/api/alerts/acknowledge/"


def make_alert(device_id, owner_id, day: int, hour: int) -> Alert:
    return Alert.objects.using("monitoring").create(
        device_id=device_id,
        owner_id=owner_id,
        hour_start=dt.datetime(2026, 1, day, hour, tzinfo=dt.UTC),
        kwh=Decimal("7.5"),
        max_hourly_kwh=Decimal("5"),
        created_at=timezone.now(),
    )


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_it_names_the_meter_and_the_owner_in_every_alert(api_a, api_admin, client_a):
    device = make_device(owner_id=client_a.id)
    make_alert(device, client_a.id, 15, 10)
    for api in (api_a, api_admin):
        (alert,) = results(api.get(URL))
        assert (alert["description"], alert["owner"]) == ("test meter", client_a.id)


def test_it_lists_alerts_by_their_hour_newest_first_not_by_id(api_a, client_a):
    device = make_device(owner_id=client_a.id)
    # Raised out of order: a late batch alerted an earlier hour after a later one.
    later = make_alert(device, client_a.id, 15, 11)
    earlier = make_alert(device, client_a.id, 15, 9)
    latest = make_alert(device, client_a.id, 16, 1)
    assert [a["id"] for a in results(api_a.get(URL))] == [latest.id, later.id, earlier.id]


def test_it_keeps_the_comment_of_an_acknowledgement_for_the_client_and_staff(
    api_a, api_admin, client_a
):
    device = make_device(owner_id=client_a.id)
    alert = make_alert(device, client_a.id, 15, 10)
    answer = api_a.post(
        f"{URL}{alert.id}/acknowledge/", {"comment": "  Sauna left on  "}, format="json"
    )
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["comment"]) == ("acknowledged", "Sauna left on")
    assert results(api_admin.get(URL))[0]["comment"] == "Sauna left on"
    # Acknowledging again keeps the first comment.
    again = api_admin.post(f"{URL}{alert.id}/acknowledge/", {"comment": "other"}, format="json")
    assert again.json()["comment"] == "Sauna left on"


def test_it_acknowledges_without_a_body_as_before(api_a, client_a):
    alert = make_alert(make_device(owner_id=client_a.id), client_a.id, 15, 10)
    answer = api_a.post(f"{URL}{alert.id}/acknowledge/")
    assert (answer.status_code, answer.json()["comment"]) == (200, "")


def test_it_refuses_a_comment_longer_than_500_characters(api_a, client_a):
    alert = make_alert(make_device(owner_id=client_a.id), client_a.id, 15, 10)
    answer = api_a.post(f"{URL}{alert.id}/acknowledge/", {"comment": "x" * 501}, format="json")
    assert answer.status_code == 400
    assert "comment" in answer.json()["errors"]


def test_it_acknowledges_all_of_a_clients_open_alerts_at_once_and_no_one_elses(
    api_a, api_b, client_a, client_b
):
    kitchen, garage = make_device(owner_id=client_a.id), make_device(owner_id=client_a.id)
    mine = [make_alert(kitchen, client_a.id, 15, hour) for hour in range(7)]
    mine.append(make_alert(garage, client_a.id, 15, 3))
    theirs = make_alert(make_device(owner_id=client_b.id), client_b.id, 15, 3)
    answer = api_a.post(ALL_URL, {"comment": "holiday guests"}, format="json")
    assert (answer.status_code, answer.json()) == (200, {"acknowledged": 8})
    assert results(api_a.get(URL, {"acknowledged": "false"})) == []
    assert {a["comment"] for a in results(api_a.get(URL))} == {"holiday guests"}
    assert [a["id"] for a in results(api_b.get(URL, {"acknowledged": "false"}))] == [theirs.id]
    # Nothing left: a second call acknowledges nothing.
    assert api_a.post(ALL_URL).json() == {"acknowledged": 0}


def test_it_acknowledges_all_of_one_meter(api_a, client_a):
    kitchen, garage = make_device(owner_id=client_a.id), make_device(owner_id=client_a.id)
    for hour in range(3):
        make_alert(kitchen, client_a.id, 15, hour)
    left = make_alert(garage, client_a.id, 15, 3)
    answer = api_a.post(ALL_URL, {"device": str(kitchen)}, format="json")
    assert answer.json() == {"acknowledged": 3}
    assert [a["id"] for a in results(api_a.get(URL, {"acknowledged": "false"}))] == [left.id]


def test_it_answers_404_for_another_clients_meter_and_400_for_a_bad_one(api_a, client_b):
    other = make_device(owner_id=client_b.id)
    make_alert(other, client_b.id, 15, 3)
    assert api_a.post(ALL_URL, {"device": str(other)}, format="json").status_code == 404
    assert api_a.post(ALL_URL, {"device": str(uuid.uuid4())}, format="json").status_code == 404
    assert api_a.post(ALL_URL, {"device": "nope"}, format="json").status_code == 400


def test_an_administrator_acknowledges_every_clients_alerts(api_admin, client_a, client_b):
    make_alert(make_device(owner_id=client_a.id), client_a.id, 15, 3)
    make_alert(make_device(owner_id=client_b.id), client_b.id, 15, 3)
    assert api_admin.post(ALL_URL).json() == {"acknowledged": 2}


def test_an_anonymous_caller_cannot_acknowledge_all(anonymous_api):
    assert anonymous_api.post(ALL_URL).status_code == 401
