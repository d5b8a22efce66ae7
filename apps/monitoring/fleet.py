"""The fleet overview for staff: every meter with its last reading, today's and this hour's energy
and a status; sorted, filtered, searched and paged on the server.

One statement reads the whole fleet's figures (one index lookup per meter in the readings and
one index range in the hourly table); that snapshot is kept for a few seconds per process
(`MONITORING_FLEET_SNAPSHOT_SECONDS`), so sorting, filtering, searching and paging, which staff
do one click after another, cost a few milliseconds of Python instead of a new scan. Statuses
are computed from the snapshot at the time of the request (a meter turns silent on time).
Owners' names live in the users database: the caller passes them in (`owner_names`).
docs/benchmarks.md has the timings with 10,000 meters.
"""

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connections

STATUSES = ("over", "warning", "silent", "unassigned", "ok")
SEVERITY = {status: rank for rank, status in enumerate(STATUSES)}
# Sort keys a request may name.
SORTS = ("status", "meter", "owner", "last_reading", "today", "hour")
# How far back the last reading is first looked for (see _SNAPSHOT).
RECENT = dt.timedelta(hours=2)


@dataclass(frozen=True)
class FleetRow:
    id: uuid.UUID
    description: str
    owner_id: int | None
    owner_name: str | None
    max_hourly_kwh: Decimal
    last_reading_at: dt.datetime | None
    today_kwh: Decimal | None
    hour_kwh: Decimal | None
    status: str


@dataclass(frozen=True)
class FleetPage:
    rows: list[FleetRow]
    total: int  # rows matching the filter and search
    counts: dict[str, int]  # every meter by status, whatever the filter


_SNAPSHOT = """
SELECT d.id, d.description, d.owner_id, d.max_hourly_kwh, last.at, energy.today_kwh,
       energy.hour_kwh
  FROM monitoring_device_projection d
  -- Readings are partitioned by month: look in the recent ones first (pruned to one or two
  -- partitions), and through all of them only for a meter with nothing recent.
  LEFT JOIN LATERAL (
        SELECT COALESCE(
            (SELECT max(r.timestamp) FROM monitoring_reading r
              WHERE r.device_id = d.id AND r.timestamp >= %(recent_from)s),
            (SELECT max(r.timestamp) FROM monitoring_reading r WHERE r.device_id = d.id)
        ) AS at) last ON true
  -- One index range per meter (hourly_device_hour) for today's and this hour's energy; the
  -- current UTC hour can start before a local day that begins at half past.
  LEFT JOIN LATERAL (
        SELECT sum(h.kwh) FILTER (WHERE h.hour_start >= %(day_start)s) AS today_kwh,
               sum(h.kwh) FILTER (WHERE h.hour_start = %(hour_start)s) AS hour_kwh
          FROM monitoring_hourly_consumption h
         WHERE h.device_id = d.id
           AND h.hour_start >= LEAST(%(day_start)s::timestamptz, %(hour_start)s::timestamptz)
           AND h.hour_start < %(day_end)s) energy ON true
 WHERE NOT d.deleted
"""

_snapshots: dict[tuple, tuple[float, list[tuple]]] = {}
_snapshots_lock = threading.Lock()


def snapshot_cache_clear() -> None:
    with _snapshots_lock:
        _snapshots.clear()


def _read_snapshot(day_start, day_end, hour_start) -> list[tuple]:
    parameters = {
        "day_start": day_start,
        "day_end": day_end,
        "hour_start": hour_start,
        "recent_from": hour_start - RECENT,
    }
    # Sessions run without JIT (ems/settings/base.py): for 10,000 lateral lookups the compiler
    # took longer than the query itself (measured: docs/benchmarks.md).
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(_SNAPSHOT, parameters)
        return cursor.fetchall()


def fleet_snapshot(*, day_start, day_end, now, max_age: float | None = None) -> list[tuple]:
    """Every live meter's figures, at most `max_age` seconds old (default: the setting)."""
    hour_start = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    key = (day_start, day_end, hour_start)
    max_age = settings.MONITORING_FLEET_SNAPSHOT_SECONDS if max_age is None else max_age
    with _snapshots_lock:
        cached = _snapshots.get(key)
    if cached is not None and time.monotonic() - cached[0] <= max_age:
        return cached[1]
    rows = _read_snapshot(day_start, day_end, hour_start)
    with _snapshots_lock:
        _snapshots.clear()  # only the latest matters; old days and hours are dropped
        _snapshots[key] = (time.monotonic(), rows)
    return rows


def _status(record: tuple, now: dt.datetime, hour_scale: Decimal, silent_before) -> str:
    _id, _description, owner_id, limit, last_at, _today, hour_kwh = record
    if owner_id is None:
        return "unassigned"
    if last_at is None or last_at < silent_before:
        return "silent"
    if hour_kwh is not None and hour_kwh > limit:
        return "over"
    if hour_kwh is not None and hour_kwh * hour_scale > limit:
        return "warning"
    return "ok"


def _sort_key(sort: str):
    keys = {
        "status": lambda row: SEVERITY[row.status],
        "meter": lambda row: row.description.lower(),
        "owner": lambda row: row.owner_name.lower() if row.owner_name else None,
        "last_reading": lambda row: row.last_reading_at,
        "today": lambda row: row.today_kwh,
        "hour": lambda row: (
            row.hour_kwh / row.max_hourly_kwh
            if row.hour_kwh is not None and row.max_hourly_kwh
            else None
        ),
    }
    return keys.get(sort, keys["status"])


def _ordered(rows: list[FleetRow], sort: str, descending: bool) -> list[FleetRow]:
    """Sorted by `sort` either way, rows without a value last, ties by name then id."""
    key = _sort_key(sort)
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    tiebreak = lambda row: (row.description.lower(), str(row.id))  # noqa: E731
    present.sort(key=tiebreak)
    present.sort(key=key, reverse=descending)  # stable: ties keep the name order
    missing.sort(key=tiebreak)
    return present + missing


def _matches(row: FleetRow, needle: str) -> bool:
    return (
        needle in row.description.lower()
        or (row.owner_name is not None and needle in row.owner_name.lower())
        or str(row.id).startswith(needle)
    )


def fleet_page(
    *,
    owner_names: dict[int, str],
    day_start: dt.datetime,
    day_end: dt.datetime,
    now: dt.datetime,
    status: str | None = None,
    search: str | None = None,
    sort: str = "status",
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
    max_age: float | None = None,
) -> FleetPage:
    """One page of the fleet. `day_start`/`day_end`: the viewer's local day as UTC instants."""
    hour_start = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    elapsed = now - hour_start
    # The statuses use the alerts' thresholds (docs/monitoring.md): a projection of the running
    # hour counts once that much of the hour has passed (the alerts count the seconds the
    # readings cover), and a meter is silent after as many nominal intervals as raise a
    # `silent` alert.
    seconds = elapsed.total_seconds()
    observed_enough = seconds > 0 and seconds >= settings.MONITORING_WARNING_MIN_OBSERVED_SECONDS
    hour_scale = Decimal(3600) / Decimal(seconds) if observed_enough else Decimal(0)
    silent_before = now - dt.timedelta(
        seconds=settings.MONITORING_NOMINAL_INTERVAL_SECONDS * settings.MONITORING_SILENCE_INTERVALS
    )
    records = fleet_snapshot(day_start=day_start, day_end=day_end, now=now, max_age=max_age)
    rows = [
        FleetRow(
            id=record[0],
            description=record[1],
            owner_id=record[2],
            owner_name=owner_names.get(record[2]) if record[2] is not None else None,
            max_hourly_kwh=record[3],
            last_reading_at=record[4],
            today_kwh=record[5],
            hour_kwh=record[6],
            status=_status(record, now, hour_scale, silent_before),
        )
        for record in records
    ]
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    if status in STATUSES:
        rows = [row for row in rows if row.status == status]
    needle = (search or "").strip().lower()
    if needle:
        rows = [row for row in rows if _matches(row, needle)]
    ordered = _ordered(rows, sort, descending)
    return FleetPage(rows=ordered[offset : offset + limit], total=len(rows), counts=counts)


def fleet_owner_ids() -> list[int]:
    """Every owner of a live meter (for the caller to look their names up)."""
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT owner_id FROM monitoring_device_projection"
            " WHERE owner_id IS NOT NULL AND NOT deleted"
        )
        return [row[0] for row in cursor.fetchall()]
