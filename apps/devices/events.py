"""The DEVICE_CHANGED event this app publishes after every committed change of a device.

Monitoring applies it to its projection (apps/monitoring/projection.py parses exactly these
fields); `version` orders the events, so duplicates and late deliveries change nothing there.
"""

from decimal import Decimal

from django.db import transaction

from ems.celery import app as celery_app
from ems.events import DEVICE_CHANGED, EVENTS_QUEUE

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
    }


def publish_device_changed(*, event: dict) -> None:
    """Send after the devices transaction commits, so no consumer sees a rolled-back change."""

    def send() -> None:
        celery_app.send_task(DEVICE_CHANGED, kwargs=event, queue=EVENTS_QUEUE)

    transaction.on_commit(send, using="devices")
