"""Reads of monitoring data: devices as projected, hourly consumption buckets, alerts.

A client reads a meter only for the periods in which they owned it (ownership.py); every read
that answers a client goes through `device_visible_to` and `consumption_report` or `alert_list`.
"""

import datetime as dt
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone as django_timezone

from ems.db import bound_cursor

from . import tariffs
from .models import Alert, AlertState, DeviceProjection, OwnershipPeriod
from .ownership import HOUR, hour_ceil, hour_floor, visible_stretches


@dataclass(frozen=True)
class DeviceInfo:
    id: uuid.UUID
    owner_id: int | None
    max_hourly_kwh: Decimal
    meter_kind: str
    deleted: bool
    # Read with the device by `device_visible_to`, so a report needs no more queries for them:
    # the caller's own ownership periods of it, (valid_from, valid_to), and whether it has a
    # tariff. None when not read.
    caller_periods: tuple[tuple[dt.datetime | None, dt.datetime | None], ...] | None = None
    has_tariff: bool | None = None
    caller_id: int | None = None  # whose periods `caller_periods` are


def _info(device: DeviceProjection) -> DeviceInfo:
    return DeviceInfo(
        id=device.id,
        owner_id=device.owner_id,
        max_hourly_kwh=device.max_hourly_kwh,
        meter_kind=device.meter_kind,
        deleted=device.deleted,
    )


# Every batch of readings asks it: a prepared statement (ems/db.bound_cursor).
_DEVICE_INFOS = """
    SELECT id, owner_id, max_hourly_kwh, meter_kind, deleted
    FROM monitoring_device_projection WHERE id = ANY(%s::uuid[])
"""


def device_infos(*, device_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DeviceInfo]:
    ids = list(device_ids)
    if not ids:
        return {}
    with bound_cursor("monitoring") as cursor:
        cursor.execute(_DEVICE_INFOS, [ids])
        return {row[0]: DeviceInfo(*row) for row in cursor.fetchall()}


def device_by_token_hash(*, token_hash: str) -> DeviceInfo | None:
    """The live device whose ingestion token hashes to `token_hash`, if any."""
    device = (
        DeviceProjection.objects.using("monitoring")
        .filter(ingestion_token_hash=token_hash, deleted=False)
        .first()
    )
    return _info(device) if device else None


# The device, the caller's own periods of it (two arrays in the same order) and whether it has a
# tariff: one round trip for everything a report needs before it reads the hours.
_DEVICE_FOR_CALLER = """
    SELECT p.id, p.owner_id, p.max_hourly_kwh, p.meter_kind, p.deleted,
           ARRAY(SELECT o.valid_from FROM monitoring_ownership_period o
                  WHERE o.device_id = p.id AND o.owner_id = %(user)s ORDER BY o.id),
           ARRAY(SELECT o.valid_to FROM monitoring_ownership_period o
                  WHERE o.device_id = p.id AND o.owner_id = %(user)s ORDER BY o.id),
           EXISTS (SELECT 1 FROM monitoring_meter_tariff t WHERE t.device_id = p.id)
    FROM monitoring_device_projection p
    WHERE p.id = %(device)s
"""


def device_visible_to(*, device_id: uuid.UUID, user) -> DeviceInfo | None:
    """The device if it exists, is not deleted, and the user is an administrator, owns it, or
    owned it before (a former owner reads their own periods only: `consumption_report`)."""
    with bound_cursor("monitoring") as cursor:  # prepared: every report asks it
        cursor.execute(_DEVICE_FOR_CALLER, {"device": device_id, "user": user.id})
        row = cursor.fetchone()
    if row is None:
        return None
    device_id, owner_id, max_hourly_kwh, meter_kind, deleted, froms, tos, has_tariff = row
    periods = tuple(zip(froms, tos, strict=True))
    if deleted or not (user.is_admin or owner_id == user.id or periods):
        return None
    return DeviceInfo(
        id=device_id,
        owner_id=owner_id,
        max_hourly_kwh=max_hourly_kwh,
        meter_kind=meter_kind,
        deleted=deleted,
        caller_periods=periods,
        has_tariff=has_tariff,
        caller_id=user.id,
    )


@dataclass(frozen=True)
class FormerDevice:
    id: uuid.UUID
    description: str
    meter_kind: str
    max_hourly_kwh: Decimal
    # The whole hours the former owner may still read: (from, to), from None = the beginning.
    periods: list[tuple[dt.datetime | None, dt.datetime]]


def devices_formerly_owned(*, user) -> list[FormerDevice]:
    """Live meters the user owned once and does not own now, with the hours they may read."""
    periods = OwnershipPeriod.objects.using("monitoring").filter(
        owner_id=user.id, valid_to__isnull=False
    )
    by_device: dict[uuid.UUID, list[tuple[dt.datetime | None, dt.datetime]]] = {}
    for period in periods.order_by("device_id", "valid_to"):
        low = None if period.valid_from is None else hour_ceil(period.valid_from)
        high = hour_floor(period.valid_to)
        if low is None or low < high:
            by_device.setdefault(period.device_id, []).append((low, high))
    devices = (
        DeviceProjection.objects.using("monitoring")
        .filter(id__in=list(by_device), deleted=False)
        .exclude(owner_id=user.id)
        .order_by("description", "id")
    )
    return [
        FormerDevice(
            id=device.id,
            description=device.description,
            meter_kind=device.meter_kind,
            max_hourly_kwh=device.max_hourly_kwh,
            periods=by_device[device.id],
        )
        for device in devices
    ]


def devices_assigned() -> list[DeviceInfo]:
    """Live devices that have an owner: the ones the simulator drives by default."""
    devices = DeviceProjection.objects.using("monitoring").filter(
        deleted=False, owner_id__isnull=False
    )
    return [_info(device) for device in devices.order_by("id")]


# The hourly rows of the visible stretches, read by index range (device, hour) one stretch at a
# time: an hour counts only if it lies wholly inside a stretch (stretches never overlap). The
# range bounds are in the join itself, so the cost follows the hours asked for, not the meter's
# history (docs/benchmarks.md, "Reads").
_VISIBLE_HOURS = """
    SELECT h.hour_start, h.kwh, h.estimated
    FROM unnest(%(visible_from)s::timestamptz[], %(visible_to)s::timestamptz[]) AS v(low, high)
    JOIN monitoring_hourly_consumption h
      ON h.device_id = %(device)s
     AND h.hour_start >= greatest(v.low, %(start)s::timestamptz)
     AND h.hour_start < %(end)s::timestamptz
     AND h.hour_start <= v.high - interval '1 hour'
"""


def _floor(unit: str, moment: str) -> str:
    """SQL: the UTC hour or day boundary at or before `moment` (an SQL expression)."""
    return f"date_bin('1 {unit}', {moment}, timestamptz 'epoch')"


def _ceil(unit: str, moment: str) -> str:
    """SQL: the boundary at or after `moment` (instants are stored to the microsecond)."""
    earlier = f"{moment} - interval '1 microsecond'"
    return f"({_floor(unit, earlier)} + interval '1 {unit}')"


# The local calendar's days or months (`step`) of [start, end), each an instant range
# [low, high): a CTE of both statements below.
_LOCAL_BUCKETS = """
    buckets AS (
        SELECT g.local_start, g.local_start AT TIME ZONE %(tz)s AS low,
               (g.local_start + %(step)s::interval) AT TIME ZONE %(tz)s AS high
        FROM generate_series(
            (%(start)s::timestamptz AT TIME ZONE %(tz)s),
            (%(end)s::timestamptz AT TIME ZONE %(tz)s) - %(step)s::interval,
            %(step)s::interval) AS g(local_start)
    )
"""

# Local days, each an instant range [low, high): its hours summed by index range, with no time
# zone work per hourly row (a local day holds no whole UTC day but in UTC: the daily rollup
# would save nothing, and its statement costs 3 ms more to plan).
_DAY_BUCKETS = f"""
    WITH {_LOCAL_BUCKETS}, hours AS ({_VISIBLE_HOURS})
    SELECT b.low, s.kwh, coalesce(s.estimated, false), s.hours
    FROM buckets b
    CROSS JOIN LATERAL (
        SELECT sum(h.kwh) AS kwh, bool_or(h.estimated) AS estimated, count(*) AS hours
        FROM hours h WHERE h.hour_start >= b.low AND h.hour_start < b.high) AS s
    ORDER BY b.local_start
"""  # noqa: S608 - _VISIBLE_HOURS is a constant

# Local months, each an instant range [low, high). Each month's hours, one range [a, z) of
# whole UTC hours per visible stretch, are read as the whole UTC days inside it from the daily
# rollup (models.DailyConsumption) and the hours at its two ends from the hourly table, each by
# index range: a year by month reads ~365 daily rows and ~300 hours instead of 8,760 hours
# (docs/benchmarks.md, "Reads").
_MONTH_BUCKETS = f"""
    WITH {_LOCAL_BUCKETS}, ranges AS (
        -- An hour counts if it starts in the bucket and in [start, end) and lies wholly in
        -- the stretch.
        SELECT b.local_start, r.a, r.z, least({_ceil("day", "r.a")}, r.z) AS d1
        FROM buckets b
        CROSS JOIN unnest(%(visible_from)s::timestamptz[], %(visible_to)s::timestamptz[])
             AS v(low, high)
        CROSS JOIN LATERAL (
            SELECT {_ceil("hour", "greatest(b.low, v.low, %(start)s::timestamptz)")} AS a,
                   least({_ceil("hour", "least(b.high, %(end)s::timestamptz)")},
                         {_floor("hour", "v.high")}) AS z) AS r
        WHERE r.a < r.z
    ), split AS (
        SELECT local_start, a, z, d1, greatest({_floor("day", "z")}, d1) AS d2 FROM ranges
    )
    -- Each range's three parts, each summed by an index range scan of its own.
    SELECT b.low, sum(p.kwh), coalesce(bool_or(p.estimated), false),
           coalesce(sum(p.hours), 0)::int
    FROM buckets b
    LEFT JOIN split s USING (local_start)
    LEFT JOIN LATERAL (
        SELECT sum(h.kwh) AS kwh, bool_or(h.estimated) AS estimated, count(*) AS hours
        FROM monitoring_hourly_consumption h
        WHERE h.device_id = %(device)s AND h.hour_start >= s.a AND h.hour_start < s.d1
        UNION ALL
        SELECT sum(d.kwh), bool_or(d.estimated_hours > 0), sum(d.hours)
        FROM monitoring_daily_consumption d
        WHERE d.device_id = %(device)s AND d.day_start >= s.d1 AND d.day_start < s.d2
        UNION ALL
        SELECT sum(h.kwh), bool_or(h.estimated), count(*)
        FROM monitoring_hourly_consumption h
        WHERE h.device_id = %(device)s AND h.hour_start >= s.d2 AND h.hour_start < s.z
    ) AS p ON true
    GROUP BY b.local_start, b.low
    ORDER BY b.local_start
"""  # noqa: S608 - only constant expressions are interpolated


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
    visible: list[tuple[dt.datetime, dt.datetime]] | None = None,
) -> list[tuple[dt.datetime, Decimal | None, bool, int]]:
    """Energy per bucket (local hour, day or month) of [start, end): (start, kWh, estimated,
    hours with data). A bucket without any hourly row has kWh None (a gap, never 0); estimated
    if any of its hours got energy spread over a gap (docs/monitoring.md, "Alerts": gaps).

    Reads the hourly table only, so the cost depends on the number of buckets. `start` and `end`
    are aware datetimes on local bucket boundaries. With `visible`, only the hours inside those
    stretches are read (the others count as missing): `consumption_report` says which are which.
    """
    visible = [(start, end)] if visible is None else visible
    if bucket == "hour":
        # Hours are generated in UTC so a DST day has its 23 or 25 distinct hours.
        statement = f"""
            SELECT g.hour_start, h.kwh, coalesce(h.estimated, false), (h.kwh IS NOT NULL)::int
            FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz - interval '1 hour',
                                 interval '1 hour') AS g(hour_start)
            LEFT JOIN ({_VISIBLE_HOURS}) AS h USING (hour_start)
            ORDER BY g.hour_start
        """  # noqa: S608 - _VISIBLE_HOURS is a constant
    elif bucket == "day":
        statement = _DAY_BUCKETS
    elif bucket == "month":
        statement = _MONTH_BUCKETS
    else:
        raise ValueError(f"Unknown bucket {bucket!r}: hour, day or month.")
    params = {
        "start": start,
        "end": end,
        "device": device_id,
        "tz": str(timezone.key),
        "bucket": bucket,
        "step": f"1 {bucket}",
        "visible_from": [low for low, _ in visible],
        "visible_to": [high for _, high in visible],
    }
    with bound_cursor("monitoring") as cursor:  # prepared: planning was a third of the query
        cursor.execute(statement, params)
        return [
            (instant.astimezone(timezone), kwh, estimated, hours)
            for instant, kwh, estimated, hours in cursor.fetchall()
        ]


@dataclass(frozen=True)
class ConsumptionReport:
    # {"start", "kwh", "estimated"}: kwh None for a bucket without data (a gap), with
    # "hidden": True for one the user may not read at all and "future": True for one that has
    # not begun; "partial": True on a day or month of which they may read some hours only (kwh
    # is the sum of those); "incomplete": True on a day or month some of whose begun, readable
    # hours have no data.
    buckets: list[dict]
    # The sum of what the user may read; None if they may read none of it.
    total: float | None
    # The stretches of [start, end) the user may read, in order (the whole range for admins).
    visible: list[tuple[dt.datetime, dt.datetime]]
    # Readable hours that have begun, and how many of them have data: a comparison with a
    # period that has fewer is not a like-for-like one.
    hours_expected: int = 0
    hours_with_data: int = 0
    # With a tariff (tariffs.py): each bucket has "cost"; the total and the standing charges in
    # it, in `currency`. None when the meter has no tariff.
    currency: str | None = None
    total_cost: float | None = None
    standing_charge: float | None = None


def consumption_report(
    *,
    device_id: uuid.UUID,
    user,
    start: dt.datetime,
    end: dt.datetime,
    bucket: str,
    timezone: ZoneInfo,
    now: dt.datetime | None = None,
    device: DeviceInfo | None = None,
) -> ConsumptionReport:
    """The buckets of [start, end) as `user` may read them: clipped to their ownership periods
    and to the hours that have begun (the future is neither drawn nor counted). `device`: what
    `device_visible_to` read for this user, so its periods and tariff are not read again."""
    # Arithmetic in UTC: Python compares and subtracts two times of one zone by the wall clock,
    # which ignores the repeated hour of a DST day.
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    now = now or django_timezone.now()
    # What `device_visible_to` read is reused only for the same device and the same person.
    known = None
    if device is not None and device.id == device_id and device.caller_id == user.id:
        known = device
    visible = visible_stretches(
        device_id=device_id,
        user=user,
        start=start,
        end=end,
        periods=known.caller_periods if known else None,
    )
    begun = _clip(visible, hour_ceil(now))
    rows = consumption_buckets(
        device_id=device_id,
        start=start,
        end=end,
        bucket=bucket,
        timezone=timezone,
        visible=begun,
    )
    buckets, bounds, total, expected, with_data = [], [], None, 0, 0
    for index, (bucket_start, kwh, estimated, hours) in enumerate(rows):
        bucket_end = rows[index + 1][0] if index + 1 < len(rows) else end
        low, high = bucket_start.astimezone(dt.UTC), bucket_end.astimezone(dt.UTC)
        bounds.append((low, high))
        seen, started = _overlap(visible, low, high), _overlap(begun, low, high)
        readable = kwh is not None and started
        entry = {
            "start": bucket_start.isoformat(),
            "kwh": float(kwh) if readable else None,
            "estimated": bool(readable and estimated),
        }
        if not seen:
            entry["hidden"] = True
        elif not started:
            entry["future"] = True
        if seen and seen < high - low:
            entry["partial"] = True
        started_hours = math.ceil(started / HOUR)
        if bucket != "hour" and hours < started_hours:
            entry["incomplete"] = True
        expected, with_data = expected + started_hours, with_data + hours
        if readable:
            total = (total or Decimal(0)) + kwh
        buckets.append(entry)
    costs = {}
    if known is None or known.has_tariff is not False:
        costs = _costs(device_id, buckets, bounds, begun, visible, now, timezone, bucket == "hour")
    return ConsumptionReport(
        buckets=buckets,
        total=None if total is None else float(total),
        visible=[(low.astimezone(timezone), high.astimezone(timezone)) for low, high in visible],
        hours_expected=expected,
        hours_with_data=with_data,
        **costs,
    )


def _costs(device_id, buckets, bounds, begun, visible, now, timezone, hourly) -> dict:
    """Each bucket's "cost" and the report's cost fields, when the meter has a tariff."""
    pricing = tariffs.meter_pricing(device_id=device_id)
    if pricing is None:
        return {}
    costs = tariffs.report_costs(
        pricing=pricing,
        device_id=device_id,
        bounds=bounds,
        readable=begun,
        seen=visible,
        now=now,
        timezone=timezone,
        hourly=hourly,
    )
    for entry, cost in zip(buckets, costs.buckets, strict=True):
        entry["cost"] = _money(cost)
    return {
        "currency": costs.currency,
        "total_cost": _money(costs.total),
        "standing_charge": _money(costs.standing),
    }


def _money(amount: Decimal | None) -> float | None:
    return None if amount is None else float(round(amount, 4))


def _clip(
    stretches: list[tuple[dt.datetime, dt.datetime]], limit: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(low, min(high, limit)) for low, high in stretches if low < limit]


def _overlap(
    stretches: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    return sum(
        (min(end, high) - max(start, low) for low, high in stretches if low < end and start < high),
        dt.timedelta(0),
    )


def alert_list(
    *,
    user,
    device_id: uuid.UUID | None = None,
    acknowledged: bool | None = None,
    state: str | None = None,
    since_id: int | None = None,
    since_time: dt.datetime | None = None,
    kind: str | None = None,
) -> QuerySet[Alert]:
    """Alerts the user may see: all for an administrator; for a client, the alerts of hours that
    lie wholly inside one of their ownership periods (not `owner_id`, who was sent the alert: an
    hour's readings can arrive after the meter changed hands, and the periods can learn of a
    change late).

    In time order, the newest hour first; with `since` (catch-up after a reconnect) in the order
    they were raised, after the given one. Each alert carries its meter's `description`.
    """
    alerts = Alert.objects.using("monitoring").annotate(
        description=Subquery(
            DeviceProjection.objects.using("monitoring")
            .filter(id=OuterRef("device_id"))
            .values("description")[:1]
        )
    )
    if not user.is_admin:
        alerts = _alerts_in_periods_of(alerts, user)
    if device_id is not None:
        alerts = alerts.filter(device_id=device_id)
    if acknowledged is not None:
        # Unacknowledged means open: a withdrawn alert needs nobody's attention.
        alerts = alerts.filter(state=AlertState.ACKNOWLEDGED if acknowledged else AlertState.OPEN)
    if state is not None:
        alerts = alerts.filter(state=state)
    if kind is not None:
        alerts = alerts.filter(kind=kind)
    if since_id is not None:
        alerts = alerts.filter(id__gt=since_id)
    if since_time is not None:
        alerts = alerts.filter(created_at__gt=since_time)
    catching_up = since_id is not None or since_time is not None
    return alerts.order_by(*(["id"] if catching_up else ["-hour_start", "-id"]))


def _alerts_in_periods_of(alerts: QuerySet[Alert], user) -> QuerySet[Alert]:
    periods = OwnershipPeriod.objects.using("monitoring").filter(owner_id=user.id)
    hour_end = ExpressionWrapper(OuterRef("hour_start") + HOUR, output_field=DateTimeField())
    covering = periods.filter(device_id=OuterRef("device_id")).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=OuterRef("hour_start")),
        Q(valid_to__isnull=True) | Q(valid_to__gte=hour_end),
    )
    # The device filter first, so the alerts table is read through its (device, hour) index.
    return alerts.filter(device_id__in=periods.values("device_id")).filter(Exists(covering))


def alert_get_visible(*, alert_id: int, user) -> Alert | None:
    return alert_list(user=user).filter(id=alert_id).first()
