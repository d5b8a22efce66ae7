"""Periodic reconciliation: resend every device's state and an inventory of the devices that exist.

Events are published on commit; one lost to a broker outage (logged by ems/publish.py) would
leave monitoring's projection stale until the device's next change, and a lost tombstone would
leave a deleted device live there for ever. This resends each device's current state (the same
DEVICE_CHANGED payload and version: a no-op in monitoring if it has it already), then, chunk by
chunk of ids, the list of the devices that exist, so monitoring can mark the others deleted.
"""

import logging
import uuid
from dataclasses import dataclass

from django.db import connections, transaction

from . import selectors
from .events import device_event, inventory_event, send_device_changed, send_inventory
from .models import VERSION_LOCK, VERSION_SEQUENCE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileResult:
    devices: int
    inventories: int
    max_version: int


def inventory_version_take() -> int:
    """A version such that every change with a smaller or equal version has committed or failed.

    The exclusive VERSION_LOCK waits for the transactions that drew a version and have not
    finished (each holds it shared) and makes new draws wait a moment; the sequence's next value,
    drawn under it, is then above every version in flight, and every later draw is above it.
    Reading the highest version among the devices instead would miss a change that drew a smaller
    version and commits after the list was read: monitoring would mark a live device deleted.
    """
    with transaction.atomic(using="devices"), connections["devices"].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", VERSION_LOCK)
        cursor.execute("SELECT nextval(%s)", [VERSION_SEQUENCE])
        return cursor.fetchone()[0]


def devices_reconcile(*, chunk_size: int) -> ReconcileResult:
    """Resend every device's state, then an inventory event per chunk of `chunk_size` ids.

    Raises if the broker is unreachable (the next run starts over). Each chunk is one read; the
    chunks together cover every id, the last one open-ended, so a device deleted anywhere falls
    in exactly one of them.
    """
    max_version = inventory_version_take()
    after: uuid.UUID | None = None
    sent = inventories = 0
    while True:
        chunk = selectors.device_chunk_by_id(after=after, limit=chunk_size)
        for device, visible_owner_id in chunk:
            send_device_changed(
                event=device_event(device=device, visible_owner_id=visible_owner_id)
            )
        sent += len(chunk)
        last = chunk[-1][0].id if len(chunk) == chunk_size else None
        send_inventory(
            event=inventory_event(
                device_ids=[str(device.id) for device, _ in chunk],
                max_version=max_version,
                after=str(after) if after is not None else None,
                up_to=str(last) if last is not None else None,
            )
        )
        inventories += 1
        if last is None:
            break
        after = last
    logger.info(
        "reconciliation: resent %s device(s), %s inventory event(s) at version %s",
        sent,
        inventories,
        max_version,
    )
    return ReconcileResult(devices=sent, inventories=inventories, max_version=max_version)
