"""Ownership periods: built from the device events, the same whatever their order and repeats."""

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.devices import services as device_services
from apps.monitoring.models import OwnershipChange, OwnershipPeriod
from apps.monitoring.ownership import Change, Period, device_periods, periods_from_changes
from apps.monitoring.projection import (
    InvalidDeviceEvent,
    device_projection_apply,
    device_projection_apply_inventory,
)
from ems.events import DEVICE_CHANGED, EVENTS_QUEUE
from tests.devices.conftest import _drain
from tests.devices.conftest import make_device as make_real_device

UTC = dt.UTC
T = dt.datetime(2026, 3, 1, 10, 37, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)


def event(device_id, version, owner_id, changed_at=None, deleted=False) -> dict:
    payload = {
        "device_id": str(device_id),
        "version": version,
        "owner_id": owner_id,
        "max_hourly_kwh": "5.000",
        "meter_kind": "index",
        "description": "meter",
        "deleted": deleted,
    }
    if changed_at is not None:
        payload["changed_at"] = changed_at.isoformat()
    return payload


def test_the_first_owner_holds_the_meter_from_its_beginning_until_it_changes_hands():
    changes = [Change(1, 1, T), Change(2, 2, T + MINUTE)]
    assert periods_from_changes(changes) == [
        Period(1, None, T + MINUTE),
        Period(2, T + MINUTE, None),
    ]


def test_a_change_that_keeps_the_owner_does_not_split_the_period():
    changes = [Change(1, None, T), Change(2, 1, T + MINUTE), Change(3, 1, T + 2 * MINUTE)]
    assert periods_from_changes(changes) == [Period(1, None, None)]


def test_an_unassigned_stretch_belongs_to_nobody_and_a_return_opens_a_new_period():
    changes = [Change(1, 1, T), Change(2, None, T + MINUTE), Change(3, 1, T + 9 * MINUTE)]
    assert periods_from_changes(changes) == [
        Period(1, None, T + MINUTE),
        Period(1, T + 9 * MINUTE, None),
    ]


def test_a_received_time_later_than_a_newer_change_is_bounded_by_it():
    # Version 2 arrived (received time) after version 3 was made: it cannot have happened after
    # version 3, so it ends where version 3 begins and lasts no time at all.
    changes = [Change(1, 1, T), Change(2, 2, T + 30 * MINUTE), Change(3, 3, T + 10 * MINUTE)]
    assert periods_from_changes(changes) == [
        Period(1, None, T + 10 * MINUTE),
        Period(3, T + 10 * MINUTE, None),
    ]


def test_the_migration_baseline_outranks_older_versions_arriving_late():
    changes = [Change(7, 1, None), Change(3, 2, T), Change(9, 3, T + MINUTE)]
    assert periods_from_changes(changes) == [
        Period(1, None, T + MINUTE),
        Period(3, T + MINUTE, None),
    ]


pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


def test_an_older_event_still_adds_its_owner_to_the_history():
    device_id = uuid.uuid4()
    device_projection_apply(event=event(device_id, 1, 1, T))
    device_projection_apply(event=event(device_id, 3, 3, T + 20 * MINUTE))
    assert not device_projection_apply(event=event(device_id, 2, 2, T + 10 * MINUTE))
    assert device_periods(device_id=device_id) == [
        Period(1, None, T + 10 * MINUTE),
        Period(2, T + 10 * MINUTE, T + 20 * MINUTE),
        Period(3, T + 20 * MINUTE, None),
    ]


def test_a_deletion_ends_the_owners_period():
    device_id = uuid.uuid4()
    device_projection_apply(event=event(device_id, 1, 1, T))
    device_projection_apply(event=event(device_id, 2, 1, T + MINUTE, deleted=True))
    assert device_periods(device_id=device_id) == [Period(1, None, T + MINUTE)]


def test_an_event_without_a_time_counts_from_when_it_arrived_until_an_exact_copy_comes():
    device_id = uuid.uuid4()
    device_projection_apply(event=event(device_id, 1, 1, T))
    before = dt.datetime.now(UTC)
    device_projection_apply(event=event(device_id, 2, 2))  # an older publisher
    ((_, received),) = [(p.valid_from, p.valid_to) for p in device_periods(device_id=device_id)][:1]
    assert received >= before
    # The reconciliation resends the same version with its time: that one is kept.
    device_projection_apply(event=event(device_id, 2, 2, T + MINUTE))
    assert device_periods(device_id=device_id) == [
        Period(1, None, T + MINUTE),
        Period(2, T + MINUTE, None),
    ]


def test_a_malformed_change_time_is_refused_and_records_nothing():
    device_id = uuid.uuid4()
    for bad in ("yesterday", "2026-03-01T10:00:00"):
        payload = event(device_id, 1, 1) | {"changed_at": bad}
        with pytest.raises(InvalidDeviceEvent):
            device_projection_apply(event=payload)
    assert not OwnershipChange.objects.filter(device_id=device_id).exists()


def test_the_inventory_ends_the_period_of_a_device_whose_tombstone_was_lost():
    device_id = uuid.UUID(int=5)
    device_projection_apply(event=event(device_id, 1, 1, T))
    device_projection_apply_inventory(
        event={"device_ids": [], "max_version": 2, "after": str(uuid.UUID(int=4)), "up_to": None}
    )
    ((owner, start, end),) = [
        (p.owner_id, p.valid_from, p.valid_to) for p in device_periods(device_id=device_id)
    ]
    assert (owner, start) == (1, None)
    assert end is not None


@pytest.fixture
def real_events(django_capture_on_commit_callbacks, client_a, client_b):
    """The events the devices app really publishes for A -> B -> nobody -> A, and a limit change."""
    _drain(EVENTS_QUEUE)
    with django_capture_on_commit_callbacks(using="devices", execute=True):
        device = make_real_device(owner_id=client_a.id)
        device_services.device_assign(device=device, owner_id=client_b.id)
        device_services.device_update(device=device, data={"max_hourly_kwh": 9})
        device_services.device_unassign(device=device)
        device_services.device_assign(device=device, owner_id=client_a.id)
    events = _drain(EVENTS_QUEUE)
    assert [name for name, _ in events] == [DEVICE_CHANGED] * 5
    return device.id, [payload for _, payload in events]


def _times(events, *indexes):
    return [dt.datetime.fromisoformat(events[index]["changed_at"]) for index in indexes]


def test_the_real_events_in_any_order_and_repeated_give_the_same_periods(
    real_events, client_a, client_b
):
    device_id, events = real_events
    to_b, unassigned, back_to_a = _times(events, 1, 3, 4)
    expected = [
        Period(client_a.id, None, to_b),
        Period(client_b.id, to_b, unassigned),
        Period(client_a.id, back_to_a, None),
    ]

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        order=st.permutations(range(len(events))),
        repeats=st.lists(st.integers(min_value=0, max_value=len(events) - 1), max_size=8),
    )
    def check(order, repeats):
        OwnershipChange.objects.filter(device_id=device_id).delete()
        OwnershipPeriod.objects.filter(device_id=device_id).delete()
        deliveries = [events[index] for index in order]
        # Repeats anywhere in the stream, not only at its end.
        for position, index in enumerate(repeats):
            deliveries.insert((position * 3) % (len(deliveries) + 1), events[index])
        for payload in deliveries:
            device_projection_apply(event=payload)
        assert device_periods(device_id=device_id) == expected

    check()
