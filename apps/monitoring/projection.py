"""Applies the devices app's DEVICE_CHANGED and DEVICE_INVENTORY events to monitoring's projection.

The event is the device's whole state after a change, so applying it is an upsert; `version`
makes it idempotent and order-proof: a duplicate or an older event changes nothing.
"""

import uuid
from decimal import Decimal, InvalidOperation

from django.db import connections, transaction

from ems.vocabulary import MeterKind

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
    return {
        "id": device_id,
        "owner_id": owner_id,
        "max_hourly_kwh": max_hourly_kwh,
        "meter_kind": meter_kind,
        "ingestion_token_hash": event.get("ingestion_token_hash") or None,
        "description": str(event.get("description", ""))[:200],
        "version": version,
        "deleted": deleted,
    }


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
        return cursor.rowcount == 1


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
        "AND NOT (id = ANY(%(ids)s::uuid[]))"
    )
    with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
        cursor.execute(statement, inventory)
        return cursor.rowcount
