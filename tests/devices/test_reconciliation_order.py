"""The real events of changes and of a reconciliation, some lost, the rest in any order and
repeated, leave monitoring's projection at the devices' state: live devices current after one
run, a device created after the inventory untouched by it, deleted ones deleted at the latest
after the next run."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.devices import services
from apps.devices.events import device_event
from apps.devices.models import Device
from apps.devices.reconciliation import devices_reconcile
from apps.monitoring.models import DeviceProjection
from apps.monitoring.projection import (
    InvalidDeviceEvent,
    device_projection_apply,
    device_projection_apply_inventory,
)
from ems.events import DEVICE_CHANGED, DEVICE_INVENTORY
from tests.devices.conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])

APPLY = {
    DEVICE_CHANGED: device_projection_apply,
    DEVICE_INVENTORY: device_projection_apply_inventory,
}


def test_lost_duplicated_and_reordered_events_converge_after_a_reconciliation(
    django_capture_on_commit_callbacks, broker_events, client_a
):
    with django_capture_on_commit_callbacks(using="devices", execute=True):
        kept = make_device(description="Kept")
        other = make_device(description="Other", owner_id=client_a.id)
        gone = make_device(description="Gone")
        services.device_update(device=kept, data={"max_hourly_kwh": Decimal("7.5")})
        services.device_delete(device=gone)
    originals = broker_events()
    result = devices_reconcile(chunk_size=1)  # one device per inventory event, three in all
    reconciliation = broker_events()
    assert result.inventories == 3
    with django_capture_on_commit_callbacks(using="devices", execute=True):
        newer = make_device(description="Created after the inventory")
    late = broker_events()
    assert newer.version > result.max_version

    current = {device.id: device.version for device in Device.objects.all()}
    devices_reconcile(chunk_size=2)  # the next run, after the newer device
    second = broker_events()
    current = {device.id: device.version for device in Device.objects.all()}
    events = [*originals, *reconciliation, *late]
    # Any of the changes' own events may be lost; the reconciliations' are delivered.
    losable = [*range(len(originals)), *range(len(events) - len(late), len(events))]

    def assert_live_devices_current() -> None:
        for device in (kept, other):
            projected = DeviceProjection.objects.get(id=device.id)
            assert (projected.version, projected.deleted) == (current[device.id], False)
        assert DeviceProjection.objects.get(id=kept.id).max_hourly_kwh == Decimal("7.5")
        assert DeviceProjection.objects.get(id=other.id).owner_id == client_a.id

    @settings(
        max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        order=st.permutations(range(len(events))),
        lost=st.sets(st.sampled_from(losable)),
        repeats=st.lists(st.integers(min_value=0, max_value=len(events) - 1), max_size=8),
        second_order=st.permutations(range(len(second))),
    )
    def check(order, lost, repeats, second_order):
        DeviceProjection.objects.all().delete()
        for index in [*order, *repeats]:
            if index not in lost:
                name, event = events[index]
                APPLY[name](event=event)
        # After one run the live devices are current, and a device newer than the inventory is
        # as its own events left it. The deleted one too, unless its creation event came after
        # the inventory of its range (then it waits for the next run: docs/consistency.md).
        assert_live_devices_current()
        projected_newer = DeviceProjection.objects.filter(id=newer.id).first()
        if len(events) - 1 in lost:
            assert projected_newer is None
        else:
            assert (projected_newer.version, projected_newer.deleted) == (current[newer.id], False)
        projected_gone = DeviceProjection.objects.filter(id=gone.id).first()
        if projected_gone is not None and not projected_gone.deleted:
            assert projected_gone.version < result.max_version  # an event older than the run

        # The next run, delivered in any order, converges whatever came before.
        for index in second_order:
            name, event = second[index]
            APPLY[name](event=event)
        assert_live_devices_current()
        projected_newer = DeviceProjection.objects.get(id=newer.id)
        assert (projected_newer.version, projected_newer.deleted) == (current[newer.id], False)
        projected_gone = DeviceProjection.objects.filter(id=gone.id).first()
        assert projected_gone is None or projected_gone.deleted

    check()


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"device_ids": ["not-a-uuid"], "max_version": 3},
        {"device_ids": [], "max_version": "three"},
        {"device_ids": 7, "max_version": 3},
        {"device_ids": [], "max_version": 3, "after": "nope"},
    ],
)
def test_a_malformed_inventory_is_refused_and_marks_nothing(
    event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using="devices", execute=False):
        device = make_device()
    device_projection_apply(event=device_event(device=device, visible_owner_id=None))
    with pytest.raises(InvalidDeviceEvent):
        device_projection_apply_inventory(event=event)
    assert not DeviceProjection.objects.get(id=device.id).deleted
