"""Applies the devices app's DEVICE_CHANGED events to monitoring's projection of devices.

The event is the device's whole state after a change, so applying it is an upsert; `version`
makes it idempotent and order-proof: a duplicate or an older event changes nothing.
"""

import uuid
from decimal import Decimal, InvalidOperation

from django.db import connections, transaction

from .models import MeterKind

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
