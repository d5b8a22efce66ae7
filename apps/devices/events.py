"""The DEVICE_CHANGED event this app publishes after every committed change of a device.

Monitoring applies it to its projection (apps/monitoring/projection.py parses exactly these
fields); `version` orders the events, so duplicates and late deliveries change nothing there.
"""

from decimal import Decimal

from ems.events import DEVICE_CHANGED, DEVICE_INVENTORY, EVENTS_QUEUE
from ems.publish import event_publish_on_commit, event_send

from .models import Device

KWH_PLACES = Decimal("0.001")


def device_event(*, device: Device, visible_owner_id: int | None, deleted: bool = False) -> dict:
    """The device's whole state; `owner_id` is the owner only while the account may see it."""
    return {
        "device_id": str(device.id),
        "version": int(device.version),
        "deleted": deleted,
        "owner_id": visible_owner_id,
        # Always three decimals ("2.500"), as stored, whatever Decimal the caller passed in.
        "max_hourly_kwh": str(Decimal(device.max_hourly_kwh).quantize(KWH_PLACES)),
        "meter_kind": device.meter_kind,
        # A tombstone frees the hash: a deleted device's token must stop working.
        "ingestion_token_hash": None if deleted else device.ingestion_token_hash,
        "description": device.description,
        # When this version was saved (just before its commit): monitoring's ownership periods
        # start and end at it. The reconciliation resends the same time with the same version.
        "changed_at": device.updated_at.isoformat() if device.updated_at else None,
    }


def publish_device_changed(*, event: dict) -> None:
    """Send after the devices transaction commits, so no consumer sees a rolled-back change.

    If the broker is down then, the error is logged and the change stands; the periodic
    reconciliation (`devices.reconcile`) sends the device's state again.
    """
    event_publish_on_commit(name=DEVICE_CHANGED, payload=event, queue=EVENTS_QUEUE, using="devices")


def send_device_changed(*, event: dict) -> None:
    """Send now (reconciliation, outside any transaction); raises if the broker is down."""
    event_send(name=DEVICE_CHANGED, payload=event, queue=EVENTS_QUEUE)


def inventory_event(
    *, device_ids: list[str], max_version: int, after: str | None, up_to: str | None
) -> dict:
    """The devices that exist with an id in (`after`, `up_to`] (None: unbounded on that side).

    Every change of a device with a version <= `max_version` had committed when the list was
    read, so a device in that range that is not listed and whose newest known version is
    <= `max_version` was deleted.
    """
    return {"device_ids": device_ids, "max_version": max_version, "after": after, "up_to": up_to}


def send_inventory(*, event: dict) -> None:
    event_send(name=DEVICE_INVENTORY, payload=event, queue=EVENTS_QUEUE)
