"""Live demand: a meter's current power from its latest readings, over REST and the socket."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.monitoring.services import readings_ingest
from ems.groups import demand_group
from tests.factories import api_client_for

from .conftest import all_received, make_device, reading

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

MINUTE = dt.timedelta(minutes=1)


def url(device_id) -> str:
    return f"/api/devices/{device_id}/consumption/demand/"


def recent() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - 2 * MINUTE


def test_the_current_power_is_the_latest_intervals_energy_over_its_length(api_a, client_a):
    meter = make_device(owner_id=client_a.id)
    at = recent()
    readings_ingest(
        raw_readings=[
            reading(meter, at - 20 * MINUTE, 100),
            reading(meter, at - 10 * MINUTE, 100.3),
            reading(meter, at, 100.5),  # 0.2 kWh in 10 minutes: 1.2 kW
        ]
    )
    body = api_a.get(url(meter)).json()
    assert body == {
        "device": str(meter),
        "kw": 1.2,
        "at": at.isoformat(),
        "interval_seconds": 600.0,
        "stale": False,
    }


def test_an_interval_meters_power_is_its_latest_value_over_the_interval(api_a, client_a):
    meter = make_device(owner_id=client_a.id, meter_kind="interval")
    at = recent()
    readings_ingest(raw_readings=[reading(meter, at - MINUTE, 1), reading(meter, at, 0.05)])
    assert api_a.get(url(meter)).json()["kw"] == 3.0


def test_a_meter_gone_quiet_or_with_one_reading_has_no_current_power(api_a, client_a):
    quiet = make_device(owner_id=client_a.id)
    long_ago = recent() - dt.timedelta(hours=2)
    readings_ingest(
        raw_readings=[reading(quiet, long_ago - MINUTE, 1), reading(quiet, long_ago, 2)]
    )
    assert api_a.get(url(quiet)).json() | {"at": None} == {
        "device": str(quiet),
        "kw": None,
        "at": None,
        "interval_seconds": 60.0,
        "stale": True,
    }
    single = make_device(owner_id=client_a.id)
    readings_ingest(raw_readings=[reading(single, recent(), 1)])
    assert api_a.get(url(single)).json()["kw"] is None
    silent = make_device(owner_id=client_a.id)
    assert api_a.get(url(silent)).json() == {
        "device": str(silent),
        "kw": None,
        "at": None,
        "stale": True,
    }


def test_only_the_owner_and_administrators_read_it(api_admin, client_a, client_b):
    meter = make_device(owner_id=client_a.id)
    assert api_admin.get(url(meter)).status_code == 200
    assert api_client_for(client_b).get(url(meter)).status_code == 404


def _listen_to(user_id) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(demand_group(user_id), channel)
    return channel


def test_live_readings_push_the_demand_to_the_owner_at_most_once_per_throttle_window(
    client_a, django_capture_on_commit_callbacks
):
    meter = make_device(owner_id=client_a.id)
    channel = _listen_to(client_a.id)
    at = recent()
    with django_capture_on_commit_callbacks(using="monitoring", execute=True):
        readings_ingest(raw_readings=[reading(meter, at - MINUTE, 10), reading(meter, at, 10.1)])
    with django_capture_on_commit_callbacks(using="monitoring", execute=True):
        readings_ingest(raw_readings=[reading(meter, at + MINUTE, 10.2)])
    (message,) = async_to_sync(all_received)(get_channel_layer(), channel)
    assert message["type"] == "demand.updated"
    assert message["demand"] | {"interval_seconds": 0} == {
        "device": str(meter),
        "kw": 6.0,
        "at": at.isoformat(),
        "interval_seconds": 0,
        "stale": False,
    }


def test_an_import_pushes_no_demand(client_a, django_capture_on_commit_callbacks):
    meter = make_device(owner_id=client_a.id)
    channel = _listen_to(client_a.id)
    at = recent()
    with django_capture_on_commit_callbacks(using="monitoring", execute=True):
        readings_ingest(
            raw_readings=[reading(meter, at - MINUTE, 10), reading(meter, at, 10.1)],
            historical=True,
        )
    assert async_to_sync(all_received)(get_channel_layer(), channel) == []
