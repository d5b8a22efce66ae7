"""Monitoring's projection of devices converges on the newest event, whatever the delivery order."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.monitoring.models import DeviceProjection
from apps.monitoring.projection import InvalidDeviceEvent, device_projection_apply

pytestmark = pytest.mark.django_db(databases=["monitoring"])


def _event(device_id, version, **changes):
    return {
        "device_id": str(device_id),
        "version": version,
        "owner_id": changes.get("owner_id", 7),
        "max_hourly_kwh": changes.get("max_hourly_kwh", "2.500"),
        "meter_kind": changes.get("meter_kind", "index"),
        "ingestion_token_hash": None,
        "description": f"meter v{version}",
        "deleted": changes.get("deleted", False),
    }


def test_a_new_device_is_inserted():
    device_id = uuid.uuid4()
    assert device_projection_apply(event=_event(device_id, 1, owner_id=3))
    projected = DeviceProjection.objects.get(id=device_id)
    assert projected.owner_id == 3
    assert projected.version == 1


def test_an_older_or_equal_version_changes_nothing():
    device_id = uuid.uuid4()
    device_projection_apply(event=_event(device_id, 5, owner_id=1))
    assert not device_projection_apply(event=_event(device_id, 4, owner_id=2))
    assert not device_projection_apply(event=_event(device_id, 5, owner_id=2))
    assert DeviceProjection.objects.get(id=device_id).owner_id == 1


def test_a_deletion_is_kept_as_a_tombstone():
    device_id = uuid.uuid4()
    device_projection_apply(event=_event(device_id, 1))
    device_projection_apply(event=_event(device_id, 2, deleted=True))
    device_projection_apply(event=_event(device_id, 1))
    assert DeviceProjection.objects.get(id=device_id).deleted


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"device_id": "not-a-uuid", "version": 1, "max_hourly_kwh": "1"},
        {"device_id": str(uuid.uuid4()), "version": "x", "max_hourly_kwh": "1"},
        {"device_id": str(uuid.uuid4()), "version": 1, "max_hourly_kwh": "NaN"},
        {"device_id": str(uuid.uuid4()), "version": 1, "max_hourly_kwh": "1", "meter_kind": "gas"},
    ],
)
def test_a_malformed_event_is_refused_with_a_reason(broken):
    with pytest.raises(InvalidDeviceEvent):
        device_projection_apply(event=broken)


@settings(max_examples=30, deadline=None)
@given(deliveries=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=15))
def test_any_order_and_duplication_ends_at_the_newest_version(deliveries):
    device_id = uuid.uuid4()
    for version in deliveries:
        device_projection_apply(event=_event(device_id, version, owner_id=version * 10))
    projected = DeviceProjection.objects.get(id=device_id)
    assert projected.version == max(deliveries)
    assert projected.owner_id == max(deliveries) * 10
