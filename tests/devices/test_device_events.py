"""Every committed change publishes the device's state with a growing version; the projection
that monitoring builds from those exact events ends at the newest state, whatever the delivery."""

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.devices import services
from apps.monitoring.models import DeviceProjection
from apps.monitoring.projection import FIELDS, device_projection_apply
from ems.events import DEVICE_CHANGED
from tests.devices.conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])

EVENT_FIELDS = {
    "device_id",
    "version",
    "deleted",
    "owner_id",
    "max_hourly_kwh",
    "meter_kind",
    "ingestion_token_hash",
    "description",
    "changed_at",
}


@pytest.fixture
def publish(django_capture_on_commit_callbacks, broker_events):
    """Run `changes` in a committed-looking block; return the device events sent to the broker."""

    def run(changes):
        with django_capture_on_commit_callbacks(using="devices", execute=True):
            result = changes()
        events = broker_events()
        assert all(name == DEVICE_CHANGED for name, _ in events)
        return result, [event for _, event in events]

    return run


def test_a_created_device_publishes_exactly_what_monitoring_parses(publish, client_a):
    device, events = publish(lambda: make_device(owner_id=client_a.id, meter_kind="interval"))
    assert events == [
        {
            "device_id": str(device.id),
            "version": device.version,
            "deleted": False,
            "owner_id": client_a.id,
            "max_hourly_kwh": "2.500",
            "meter_kind": "interval",
            "ingestion_token_hash": None,
            "description": "Kitchen meter",
            "changed_at": device.updated_at.isoformat(),
        }
    ]
    assert set(events[0]) == EVENT_FIELDS


def test_every_change_publishes_one_event_with_a_higher_version(publish, client_a, client_b):
    def changes():
        device = make_device()
        services.device_update(device=device, data={"max_hourly_kwh": Decimal("7")})
        services.device_assign(device=device, owner_id=client_a.id)
        services.device_assign(device=device, owner_id=client_b.id)
        services.device_ingestion_token_issue(device=device)
        services.device_ingestion_token_revoke(device=device)
        services.device_unassign(device=device)
        services.device_delete(device=device)
        return device

    device, events = publish(changes)
    versions = [event["version"] for event in events]
    assert len(events) == 8
    assert versions == sorted(set(versions))
    assert [event["owner_id"] for event in events] == [
        None, None, client_a.id, client_b.id, client_b.id, client_b.id, None, None
    ]  # fmt: skip
    assert events[1]["max_hourly_kwh"] == "7.000"
    assert events[4]["ingestion_token_hash"] is not None
    assert events[5]["ingestion_token_hash"] is None
    assert events[-1]["deleted"]
    assert all(event["device_id"] == str(device.id) for event in events)


def test_a_change_that_changes_nothing_publishes_nothing(publish, device_of_a, client_a):
    _, events = publish(
        lambda: services.device_update(
            device=device_of_a,
            data={"description": "Alice's meter", "owner_id": client_a.id},
        )
    )
    assert events == []


def test_a_refused_change_publishes_nothing(publish, device_of_a):
    def changes():
        with pytest.raises(ValidationError):
            services.device_update(device=device_of_a, data={"max_hourly_kwh": Decimal("0")})
        with pytest.raises(ValidationError):
            services.device_assign(device=device_of_a, owner_id=987654321)

    assert publish(changes)[1] == []


def test_the_tombstone_frees_the_token_hash(publish, device_of_a):
    def changes():
        services.device_ingestion_token_issue(device=device_of_a)
        services.device_delete(device=device_of_a)

    _, (issued, tombstone) = publish(changes)
    assert issued["ingestion_token_hash"]
    assert tombstone["deleted"]
    assert tombstone["ingestion_token_hash"] is None
    assert tombstone["version"] > issued["version"]


def test_every_event_carries_the_time_of_its_change_and_the_times_grow(publish, client_a):
    def changes():
        device = make_device()
        services.device_assign(device=device, owner_id=client_a.id)
        services.device_delete(device=device)

    _, events = publish(changes)
    times = [dt.datetime.fromisoformat(event["changed_at"]) for event in events]
    assert times == sorted(times)
    assert len(set(times)) == 3  # the tombstone has the time of the deletion, not of the save


def test_the_published_hash_is_the_sha256_of_the_token(publish, device_of_a):
    token, (event,) = publish(lambda: services.device_ingestion_token_issue(device=device_of_a))
    assert event["ingestion_token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_a_device_re_created_under_a_deleted_id_is_newer_than_its_tombstone(publish):
    meter_id = uuid.uuid4()

    def changes():
        services.device_delete(device=make_device(device_id=meter_id))
        make_device(device_id=meter_id, description="Reinstalled")

    _, events = publish(changes)
    for event in events:
        device_projection_apply(event=event)
    projected = DeviceProjection.objects.get(id=meter_id)
    assert not projected.deleted
    assert projected.description == "Reinstalled"


def _projected(device_id) -> dict:
    row = DeviceProjection.objects.filter(id=device_id).values(*FIELDS).first()
    return row and {**row, "max_hourly_kwh": str(row["max_hourly_kwh"])}


def _expected(event) -> dict:
    return {field: event[field] for field in FIELDS}


def test_the_real_events_in_any_order_and_duplicated_end_at_the_newest(publish, client_a, client_b):
    def changes():
        device = make_device()
        services.device_assign(device=device, owner_id=client_a.id)
        services.device_update(device=device, data={"meter_kind": "interval"})
        services.device_ingestion_token_issue(device=device)
        services.device_assign(device=device, owner_id=client_b.id)
        services.device_update(device=device, data={"max_hourly_kwh": Decimal("0.5")})
        services.device_delete(device=device)
        return device

    device, events = publish(changes)
    assert len(events) == 7

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        order=st.permutations(range(len(events))),
        repeats=st.lists(st.integers(min_value=0, max_value=len(events) - 1), max_size=8),
        cut=st.integers(min_value=1, max_value=len(events)),
    )
    def check(order, repeats, cut):
        DeviceProjection.objects.filter(id=device.id).delete()
        # First only a prefix of the deliveries: the projection holds the newest of those.
        delivered = [events[index] for index in order[:cut]]
        for event in delivered:
            device_projection_apply(event=event)
        newest = max(delivered, key=lambda event: event["version"])
        assert _projected(device.id) == _expected(newest)
        # Then the rest, and some again: the projection ends at the last state, the tombstone.
        for index in [*order[cut:], *repeats]:
            device_projection_apply(event=events[index])
        assert _projected(device.id) == _expected(events[-1])

    check()


def test_a_deactivated_owner_is_hidden_from_monitoring_until_reactivated(
    publish, client_a, device_of_a
):
    def changes():
        # The deactivation is delivered twice (same version), then the reactivation.
        for is_active, version in ((False, 1), (False, 1), (True, 2)):
            services.device_owner_account_changed(
                user_id=client_a.id,
                is_active=is_active,
                role="client",
                deleted=False,
                version=version,
            )

    _, events = publish(changes)
    assert [event["owner_id"] for event in events] == [None, client_a.id]
    assert events[0]["version"] < events[1]["version"]


def test_a_deleted_owners_devices_are_published_unassigned(publish, client_a, device_of_a):
    def changes():
        for _ in range(2):
            services.device_owner_account_changed(
                user_id=client_a.id, is_active=False, role="client", deleted=True, version=1
            )

    _, events = publish(changes)
    assert [(event["device_id"], event["owner_id"]) for event in events] == [
        (str(device_of_a.id), None)
    ]
