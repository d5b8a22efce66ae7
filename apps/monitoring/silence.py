"""Silent meters: a meter that sends nothing for more than MONITORING_SILENCE_INTERVALS nominal
intervals raises one `silent` alert per silence, resolved when its readings resume.

Cheap by construction: the projection keeps each meter's newest reading (`last_reading_at`),
moved forward in the ingest transaction, so the periodic check reads one row per meter and never
the readings table. A silence is named by the reading it follows (the alert's `hour_start`), so
the check may run any number of times, on any number of workers: one alert per silence.
"""

import datetime as dt

from django.conf import settings
from django.db import connections

from .models import Alert

# Every column of an alert, in the order `Alert(**...)` is built from.
ALERT_COLUMNS = (
    "id, device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at, acknowledged_at, "
    "state, withdrawn_at, kind, comment, resolved_at"
)

_READINGS_ARRIVED = f"""
    WITH t(device_id, last_at) AS (
        SELECT * FROM unnest(%(devices)s::uuid[], %(lasts)s::timestamptz[])
    ), moved AS (
        UPDATE monitoring_device_projection p SET last_reading_at = t.last_at
        FROM t
        WHERE p.id = t.device_id AND (p.last_reading_at IS NULL OR p.last_reading_at < t.last_at)
    )
    UPDATE monitoring_alert a SET state = 'resolved', resolved_at = clock_timestamp()
    FROM t
    WHERE a.device_id = t.device_id AND a.kind = 'silent'
      AND a.state IN ('open', 'acknowledged') AND a.hour_start < t.last_at
    RETURNING {", ".join("a." + column for column in ALERT_COLUMNS.split(", "))}
"""  # noqa: S608 - the only interpolation is the constant column list

# Assigned, live meters that have sent something, and nothing since `silent_before`. A meter
# that never sent a reading is not silent (it has not started); an unassigned one tells nobody.
_RAISE_SILENT = f"""
    INSERT INTO monitoring_alert
           (device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at, state, kind)
    SELECT p.id, p.owner_id, p.last_reading_at, 0, p.max_hourly_kwh, clock_timestamp(), 'open',
           'silent'
    FROM monitoring_device_projection p
    WHERE NOT p.deleted AND p.owner_id IS NOT NULL AND p.last_reading_at < %(silent_before)s
    ON CONFLICT (device_id, kind, hour_start) DO NOTHING
    RETURNING {ALERT_COLUMNS}
"""  # noqa: S608 - the only interpolation is the constant column list


def _alerts(cursor) -> list[Alert]:
    columns = [column.name for column in cursor.description]
    return [Alert(**dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]


def readings_arrived(*, cursor, touched: list[tuple]) -> list[Alert]:
    """In the ingest transaction: move the meters' newest reading forward and resolve the
    silences their new readings end; the resolved alerts. `touched`: (device, first, last, n)."""
    cursor.execute(
        _READINGS_ARRIVED,
        {"devices": [row[0] for row in touched], "lasts": [row[2] for row in touched]},
    )
    return _alerts(cursor)


def silence_threshold() -> dt.timedelta:
    return dt.timedelta(
        seconds=settings.MONITORING_NOMINAL_INTERVAL_SECONDS * settings.MONITORING_SILENCE_INTERVALS
    )


def silent_meters_raise(*, now: dt.datetime) -> list[Alert]:
    """One `silent` alert for each meter silent longer than the threshold (new ones only)."""
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(_RAISE_SILENT, {"silent_before": now - silence_threshold()})
        return _alerts(cursor)
