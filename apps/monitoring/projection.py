"""Applies the devices app's DEVICE_CHANGED and DEVICE_INVENTORY events to monitoring's projection.

The event is the device's whole state after a change, so applying it is an upsert; `version`
makes it idempotent and order-proof: a duplicate or an older event changes nothing. Every event,
older ones included, also records its owner and time for the ownership periods (ownership.py).
"""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.db import connections, transaction
from django.utils import timezone

from ems.vocabulary import MeterKind

from .ownership import ownership_change_record

FIELDS = (
    "owner_id",
    "max_hourly_kwh",
    "meter_kind",
    "ingestion_token_hash",
    "description",
    "version",
    "deleted",
)


class InvalidDeviceEvent(ValueError):
    """The event cannot be applied; the message says why."""


def _parse(event: dict) -> dict:
    try:
        device_id = uuid.UUID(str(event["device_id"]))
        version = int(event["version"])
        deleted = bool(event.get("deleted", False))
        owner_id = event.get("owner_id")
        owner_id = int(owner_id) if owner_id is not None else None
        max_hourly_kwh = Decimal(str(event["max_hourly_kwh"]))
        meter_kind = event.get("meter_kind", MeterKind.INDEX)
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise InvalidDeviceEvent(f"malformed device event: {error!r}") from error
    if meter_kind not in MeterKind.values:
        raise InvalidDeviceEvent(f"unknown meter kind {meter_kind!r}")
    if not max_hourly_kwh.is_finite():
        raise InvalidDeviceEvent("max_hourly_kwh is not a finite number")
    changed_at = _changed_at(event.get("changed_at"))
    return {
        "id": device_id,
        "owner_id": owner_id,
        "max_hourly_kwh": max_hourly_kwh,
        "meter_kind": meter_kind,
        "ingestion_token_hash": event.get("ingestion_token_hash") or None,
        "description": str(event.get("description", ""))[:200],
        "version": version,
        "deleted": deleted,
        "changed_at": changed_at,
    }


def _changed_at(value) -> dt.datetime | None:
    """The time of the change (ISO 8601 with an offset), or None when the event has none."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidDeviceEvent(f"changed_at is not an ISO 8601 time: {value!r}") from error
    if moment.tzinfo is None:
        raise InvalidDeviceEvent("changed_at has no UTC offset")
    return moment


def device_projection_apply(*, event: dict) -> bool:
    """Upsert the device's state if the event is newer than what is stored; True if applied."""
    row = _parse(event)
    columns = ["id", *FIELDS]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in FIELDS)
    # One statement, so two workers applying events of one device cannot interleave; the WHERE
    # keeps the newest version whichever order the events arrive in.
    statement = (
        f"INSERT INTO monitoring_device_projection ({', '.join(columns)}, updated_at) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}, now()) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}, updated_at = now() "
        "WHERE monitoring_device_projection.version < EXCLUDED.version"
    )
    with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
        cursor.execute(statement, [row[column] for column in columns])
        applied = cursor.rowcount == 1
        # Older and duplicate events too: the periods are built from every version seen.
        ownership_change_record(
            device_id=row["id"],
            version=row["version"],
            owner_id=None if row["deleted"] else row["owner_id"],
            # An older publisher sends no time: when it arrived is the best bound there is.
            changed_at=row["changed_at"] or timezone.now(),
            exact=row["changed_at"] is not None,
        )
        return applied


def _parse_inventory(event: dict) -> dict:
    try:
        ids = [uuid.UUID(str(device_id)) for device_id in event["device_ids"]]
        max_version = int(event["max_version"])
        bounds = {
            side: uuid.UUID(str(event[side])) if event.get(side) is not None else None
            for side in ("after", "up_to")
        }
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidDeviceEvent(f"malformed inventory event: {error!r}") from error
    return {"ids": ids, "max_version": max_version, **bounds}


def device_projection_apply_inventory(*, event: dict) -> int:
    """Mark deleted the devices of the inventory's id range that it does not list; how many.

    Only a device whose version is <= the inventory's `max_version`: every change up to that
    version had committed when the devices app read the list, so such a device is not listed
    because it was deleted. A device changed or created after (a higher version) is left alone.
    The row takes `max_version`, newer than any state it had before its deletion, so a late event
    of those cannot bring it back; the real tombstone, or a re-creation, is newer still and
    applies. Idempotent, and any order of inventories and device events ends the same.
    """
    inventory = _parse_inventory(event)
    statement = (
        "UPDATE monitoring_device_projection "
        "SET deleted = true, ingestion_token_hash = NULL, version = %(max_version)s, "
        "updated_at = now() "
        "WHERE NOT deleted AND version <= %(max_version)s "
        "AND (%(after)s::uuid IS NULL OR id > %(after)s::uuid) "
        "AND (%(up_to)s::uuid IS NULL OR id <= %(up_to)s::uuid) "
        "AND NOT (id = ANY(%(ids)s::uuid[])) RETURNING id"
    )
    with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
        cursor.execute(statement, inventory)
        marked = [row[0] for row in cursor.fetchall()]
        # The deletion happened before the inventory was taken, when exactly is unknown: its
        # arrival bounds it (a deleted device answers no client anyway).
        for device_id in marked:
            ownership_change_record(
                device_id=device_id,
                version=inventory["max_version"],
                owner_id=None,
                changed_at=timezone.now(),
                exact=False,
            )
        return len(marked)
