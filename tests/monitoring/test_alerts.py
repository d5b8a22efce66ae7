"""Alerts: strictly above the device's limit, one per device-hour, pushed to the owner's group."""

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from apps.monitoring.models import Alert
from apps.monitoring.services import readings_ingest
from ems.groups import ADMINS_GROUP, user_group

from .conftest import group_listener, make_device, reading, received

pytestmark = pytest.mark.django_db(databases=["monitoring"])

H = dt.timedelta(hours=1)


def _hour_of(device, day, kwh_in_hour_ten):
    return [reading(device, day + 10 * H, 0), reading(device, day + 11 * H, kwh_in_hour_ten)]


def test_consumption_equal_to_the_limit_raises_no_alert(day):
    device = make_device(max_hourly_kwh="5")
    readings_ingest(raw_readings=_hour_of(device, day, 5))
    assert not Alert.objects.using("monitoring").filter(device_id=device).exists()


def test_consumption_above_the_limit_raises_one_alert_with_the_figures(day):
    device = make_device(max_hourly_kwh="5", owner_id=42)
    result = readings_ingest(raw_readings=_hour_of(device, day, 5.001))
    alert = Alert.objects.using("monitoring").get(device_id=device)
    assert [a.id for a in result.alerts] == [alert.id]
    assert (alert.hour_start, alert.kwh, alert.max_hourly_kwh) == (
        day + 10 * H,
        Decimal("5.001"),
        Decimal("5"),
    )
    assert alert.owner_id == 42
    assert alert.acknowledged_at is None


def test_an_hour_raises_at_most_one_alert_whatever_arrives_later(day):
    device = make_device(max_hourly_kwh="5")
    readings_ingest(raw_readings=_hour_of(device, day, 6))
    readings_ingest(raw_readings=[reading(device, day + 10 * H + dt.timedelta(minutes=30), 1)])
    readings_ingest(raw_readings=[reading(device, day + 10 * H + dt.timedelta(minutes=40), 5.5)])
    assert Alert.objects.using("monitoring").filter(device_id=device).count() == 1


def test_a_new_alert_is_sent_on_commit_to_the_owner_and_the_administrators_only(
    day, django_capture_on_commit_callbacks
):
    owner, stranger, admins = (
        group_listener(group) for group in (user_group(9001), user_group(9002), ADMINS_GROUP)
    )
    device = make_device(max_hourly_kwh="1", owner_id=9001)
    with django_capture_on_commit_callbacks(execute=True, using="monitoring") as callbacks:
        readings_ingest(raw_readings=_hour_of(device, day, 3))
    assert len(callbacks) == 1
    alert = Alert.objects.using("monitoring").get(device_id=device)
    expected = {
        "type": "alert.created",
        "alert": {
            "id": alert.id,
            "kind": "over_limit",
            "device": str(device),
            "description": "test meter",
            "owner": 9001,
            "hour_start": (day + 10 * H).isoformat(),
            "kwh": 3.0,
            "max_hourly_kwh": 1.0,
            "state": "open",
            "created_at": alert.created_at.isoformat(),
            "acknowledged_at": None,
            "comment": "",
            "withdrawn_at": None,
            "resolved_at": None,
        },
    }
    assert received(owner, 2) == expected
    assert received(admins, 2) == expected
    with pytest.raises(asyncio.TimeoutError):
        received(stranger, 0.3)
