"""Reads of monitoring data: devices as projected, hourly consumption buckets, alerts."""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Count, QuerySet

from .models import Alert, DeviceProjection, QuarantinedReading


@dataclass(frozen=True)
class DeviceInfo:
    id: uuid.UUID
    owner_id: int | None
    max_hourly_kwh: Decimal
    meter_kind: str
    deleted: bool


def _info(device: DeviceProjection) -> DeviceInfo:
    return DeviceInfo(
        id=device.id,
        owner_id=device.owner_id,
        max_hourly_kwh=device.max_hourly_kwh,
        meter_kind=device.meter_kind,
        deleted=device.deleted,
    )


def device_infos(*, device_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DeviceInfo]:
    ids = list(device_ids)
    if not ids:
        return {}
    devices = DeviceProjection.objects.using("monitoring").filter(id__in=ids)
    return {device.id: _info(device) for device in devices}


def device_by_token_hash(*, token_hash: str) -> DeviceInfo | None:
    """The live device whose ingestion token hashes to `token_hash`, if any."""
    device = (
        DeviceProjection.objects.using("monitoring")
        .filter(ingestion_token_hash=token_hash, deleted=False)
        .first()
    )
    return _info(device) if device else None


def device_visible_to(*, device_id: uuid.UUID, user) -> DeviceInfo | None:
    """The device if it exists, is not deleted, and the user owns it or is an administrator."""
    device = DeviceProjection.objects.using("monitoring").filter(id=device_id).first()
    if device is None or device.deleted:
        return None
    if not user.is_admin and device.owner_id != user.id:
        return None
    return _info(device)


def devices_assigned() -> list[DeviceInfo]:
    """Live devices that have an owner: the ones the simulator drives by default."""
    devices = DeviceProjection.objects.using("monitoring").filter(
        deleted=False, owner_id__isnull=False
    )
    return [_info(device) for device in devices.order_by("id")]


BUCKET_UNITS = {"hour": "hour", "day": "day", "month": "month"}

# The local days a consumption query may name: any day a meter can have readings for, with
# room around them for the arithmetic of a period (the next day or month, local midnight in any
# zone) inside the years 1 to 9999 of Python's dates.
EARLIEST_DAY = dt.date(1970, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)


def consumption_buckets(
    *,
    device_id: uuid.UUID,
    start: dt.datetime,
    end: dt.datetime,
    bucket: str,
    timezone: ZoneInfo,
) -> list[tuple[dt.datetime, Decimal]]:
    """Energy per bucket (local hour, day or month) of [start, end), missing buckets as 0.

    Reads the hourly table only, so the cost depends on the number of buckets. `start` and `end`
    are aware datetimes on local bucket boundaries.
    """
    if bucket == "hour":
        # Hours are generated in UTC so a DST day has its 23 or 25 distinct hours.
        statement = """
            SELECT g.hour_start, coalesce(h.kwh, 0)
            FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz - interval '1 hour',
                                 interval '1 hour') AS g(hour_start)
            LEFT JOIN monitoring_hourly_consumption h
                   ON h.device_id = %(device)s AND h.hour_start = g.hour_start
            ORDER BY g.hour_start
        """
    else:
        # Local calendar buckets: truncate in the person's zone, then back to an instant.
        statement = f"""
            WITH buckets AS (
                SELECT g.local_start
                FROM generate_series(
                    (%(start)s::timestamptz AT TIME ZONE %(tz)s),
                    (%(end)s::timestamptz AT TIME ZONE %(tz)s) - interval '1 {bucket}',
                    interval '1 {bucket}') AS g(local_start)
            ), sums AS (
                SELECT date_trunc(%(bucket)s, h.hour_start AT TIME ZONE %(tz)s) AS local_start,
                       sum(h.kwh) AS kwh
                FROM monitoring_hourly_consumption h
                WHERE h.device_id = %(device)s AND h.hour_start >= %(start)s
                  AND h.hour_start < %(end)s
                GROUP BY 1
            )
            SELECT b.local_start AT TIME ZONE %(tz)s, coalesce(s.kwh, 0)
            FROM buckets b LEFT JOIN sums s USING (local_start)
            ORDER BY b.local_start
        """  # noqa: S608 - bucket is one of BUCKET_UNITS, checked by the caller
    params = {
        "start": start,
        "end": end,
        "device": device_id,
        "tz": str(timezone.key),
        "bucket": BUCKET_UNITS[bucket],
    }
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(statement, params)
        return [(instant.astimezone(timezone), kwh) for instant, kwh in cursor.fetchall()]


def alert_list(
    *,
    user,
    device_id: uuid.UUID | None = None,
    acknowledged: bool | None = None,
    since_id: int | None = None,
    since_time: dt.datetime | None = None,
) -> QuerySet[Alert]:
    """Alerts the user may see: their own (sent to them), or all for an administrator.

    Newest first; with `since` (catch-up after a reconnect) oldest first, after the given one.
    """
    alerts = Alert.objects.using("monitoring").all()
    if not user.is_admin:
        alerts = alerts.filter(owner_id=user.id)
    if device_id is not None:
        alerts = alerts.filter(device_id=device_id)
    if acknowledged is not None:
        alerts = alerts.filter(acknowledged_at__isnull=not acknowledged)
    if since_id is not None:
        alerts = alerts.filter(id__gt=since_id)
    if since_time is not None:
        alerts = alerts.filter(created_at__gt=since_time)
    catching_up = since_id is not None or since_time is not None
    return alerts.order_by("id" if catching_up else "-id")


def alert_get_visible(*, alert_id: int, user) -> Alert | None:
    return alert_list(user=user).filter(id=alert_id).first()


def quarantine_counts() -> dict[str, int]:
    """How many quarantined readings there are, per reason."""
    rows = (
        QuarantinedReading.objects.using("monitoring")
        .values("reason")
        .annotate(count=Count("id"))
        .order_by("reason")
    )
    return {row["reason"]: row["count"] for row in rows}
