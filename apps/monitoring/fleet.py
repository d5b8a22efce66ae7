"""The fleet overview for staff: every meter with its last reading, today's and this hour's energy
and a status, sorted, filtered, searched and paged by PostgreSQL in one statement.

Owners' names live in the users database: the caller passes them in (`owner_names`, from
apps.users.selectors) and the statement joins them as an array, so sorting and searching by
owner stay in SQL whatever the page. docs/benchmarks.md has the timings with 10,000 meters.
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connections

STATUSES = ("over", "warning", "silent", "unassigned", "ok")
# Sort keys a request may name -> the SQL expression (never the request's text).
SORTS = {
    "status": "severity",
    "meter": "lower(description)",
    "owner": "lower(owner_name)",
    "last_reading": "last_at",
    "today": "today_kwh",
    "hour": "hour_ratio",
}
# A projection of the running hour is trusted only after this much of it.
WARNING_AFTER = dt.timedelta(minutes=10)


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


_STATEMENT = """
WITH owners AS (
    SELECT * FROM unnest(%(owner_ids)s::bigint[], %(owner_names)s::text[]) AS o(id, name)
), fleet AS (
    SELECT d.id, d.description, d.owner_id, o.name AS owner_name, d.max_hourly_kwh,
           last.at AS last_at, today.kwh AS today_kwh, hour.kwh AS hour_kwh
      FROM monitoring_device_projection d
      LEFT JOIN owners o ON o.id = d.owner_id
      LEFT JOIN LATERAL (
            SELECT r.timestamp AS at FROM monitoring_reading r
             WHERE r.device_id = d.id ORDER BY r.timestamp DESC LIMIT 1) last ON true
      LEFT JOIN LATERAL (
            SELECT sum(h.kwh) AS kwh FROM monitoring_hourly_consumption h
             WHERE h.device_id = d.id AND h.hour_start >= %(day_start)s
               AND h.hour_start < %(day_end)s) today ON true
      LEFT JOIN monitoring_hourly_consumption hour
             ON hour.device_id = d.id AND hour.hour_start = %(hour_start)s
     WHERE NOT d.deleted
), rated AS (
    SELECT *,
           CASE WHEN owner_id IS NULL THEN 'unassigned'
                WHEN last_at IS NULL OR last_at < %(silent_before)s THEN 'silent'
                WHEN hour_kwh > max_hourly_kwh THEN 'over'
                WHEN hour_kwh * %(hour_scale)s > max_hourly_kwh THEN 'warning'
                ELSE 'ok' END AS status,
           hour_kwh / NULLIF(max_hourly_kwh, 0) AS hour_ratio
      FROM fleet
), ranked AS (
    SELECT *, CASE status WHEN 'over' THEN 0 WHEN 'warning' THEN 1 WHEN 'silent' THEN 2
                          WHEN 'unassigned' THEN 3 ELSE 4 END AS severity
      FROM rated
), counts AS (
    SELECT jsonb_object_agg(status, n) AS by_status
      FROM (SELECT status, count(*) AS n FROM ranked GROUP BY status) s
)
SELECT id, description, owner_id, owner_name, max_hourly_kwh, last_at, today_kwh, hour_kwh,
       status, count(*) OVER () AS total, (SELECT by_status FROM counts) AS counts
  FROM ranked
 WHERE (%(status)s::text IS NULL OR status = %(status)s)
   AND (%(search)s::text IS NULL
        OR description ILIKE %(search)s OR owner_name ILIKE %(search)s
        OR id::text LIKE %(id_prefix)s)
 ORDER BY {order} {direction} NULLS LAST, lower(description), id
 LIMIT %(limit)s OFFSET %(offset)s
"""


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
) -> FleetPage:
    """One page of the fleet. `day_start`/`day_end`: the viewer's local day as UTC instants."""
    hour_start = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    elapsed = now - hour_start
    hour_scale = Decimal(3600) / Decimal(elapsed.total_seconds()) if elapsed >= WARNING_AFTER else 0
    silent_after = dt.timedelta(minutes=settings.MONITORING_SILENT_AFTER_MINUTES)
    search = (search or "").strip() or None
    parameters = {
        "owner_ids": list(owner_names),
        "owner_names": list(owner_names.values()),
        "day_start": day_start,
        "day_end": day_end,
        "hour_start": hour_start,
        "silent_before": now - silent_after,
        "hour_scale": hour_scale,
        "status": status if status in STATUSES else None,
        "search": _like(search) if search else None,
        "id_prefix": (search.lower().replace("%", "").replace("_", "") + "%") if search else None,
        "limit": limit,
        "offset": offset,
    }
    statement = _STATEMENT.format(
        order=SORTS.get(sort, SORTS["status"]), direction="DESC" if descending else "ASC"
    )
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(statement, parameters)
        records = cursor.fetchall()
        if not records:
            # The page is empty (or past the end): the counts still describe the whole fleet.
            cursor.execute(
                statement,
                {**parameters, "status": None, "search": None, "limit": 1, "offset": 0},
            )
            first = cursor.fetchone()
            counts = first[10] if first else {}
            return FleetPage(rows=[], total=0, counts=_all_statuses(counts))
    rows = [
        FleetRow(
            id=record[0],
            description=record[1],
            owner_id=record[2],
            owner_name=record[3],
            max_hourly_kwh=record[4],
            last_reading_at=record[5],
            today_kwh=record[6],
            hour_kwh=record[7],
            status=record[8],
        )
        for record in records
    ]
    return FleetPage(rows=rows, total=records[0][9], counts=_all_statuses(records[0][10]))


def _all_statuses(counts: dict | str | None) -> dict[str, int]:
    # Django's database backend hands jsonb over as text (its JSONField decodes it).
    counts = json.loads(counts) if isinstance(counts, str) else counts or {}
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def fleet_owner_ids() -> list[int]:
    """Every owner of a live meter (for the caller to look their names up)."""
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT owner_id FROM monitoring_device_projection"
            " WHERE owner_id IS NOT NULL AND NOT deleted"
        )
        return [row[0] for row in cursor.fetchall()]
