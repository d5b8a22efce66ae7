"""Warnings before the hour is over: from the readings so far in a meter's current hour, project
the hour's total; over the limit with enough of the hour observed, raise one `warning` per
device-hour, settled when the hour is over (`realised`: it became an over-the-limit alert, or
`not_realised`). docs/monitoring.md, "Warnings", argues the threshold and measures it.

The projection is linear: the energy seen so far, scaled to the whole hour. Hours are UTC hours
(the hourly table's), so every hour has 3600 s, also on a local DST day.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import connections

from .models import Alert
from .silence import ALERT_COLUMNS, _alerts

HOUR_SECONDS = 3600


def projected_total(*, kwh_so_far: Decimal, observed_seconds: float) -> Decimal | None:
    """The hour's total if it goes on as observed; None with nothing observed."""
    if observed_seconds <= 0:
        return None
    return kwh_so_far * Decimal(HOUR_SECONDS) / Decimal(str(observed_seconds))


def observed_enough(observed_seconds: float) -> bool:
    return observed_seconds >= settings.MONITORING_WARNING_MIN_OBSERVED_SECONDS


# For each live meter whose newest reading lies inside an hour that is not over yet: the energy
# of that hour so far (the hourly table, which holds every interval up to the newest reading)
# over the time it covers, from the hour's start or, for a meter that began inside the hour, from
# the start of its first interval (an index meter's first reading only sets the starting point;
# an interval meter's first reading covers one nominal interval).
_CURRENT_HOURS = """
    WITH current AS (
        SELECT p.id AS device_id, p.max_hourly_kwh, p.meter_kind, p.last_reading_at,
               date_trunc('hour', p.last_reading_at) AS hour_start
        FROM monitoring_device_projection p
        WHERE NOT p.deleted AND p.last_reading_at IS NOT NULL
          AND date_trunc('hour', p.last_reading_at) + interval '1 hour' > %(now)s
    )
    SELECT c.device_id, c.hour_start, c.max_hourly_kwh, h.kwh,
           extract(epoch FROM c.last_reading_at - greatest(c.hour_start, CASE
               WHEN EXISTS (SELECT 1 FROM monitoring_reading r
                             WHERE r.device_id = c.device_id AND r.timestamp <= c.hour_start)
                    THEN c.hour_start
               WHEN c.meter_kind = 'interval'
                    THEN (SELECT min(r.timestamp) FROM monitoring_reading r
                           WHERE r.device_id = c.device_id AND r.timestamp > c.hour_start)
                         - %(nominal)s * interval '1 second'
               ELSE (SELECT min(r.timestamp) FROM monitoring_reading r
                      WHERE r.device_id = c.device_id AND r.timestamp > c.hour_start)
           END)) AS observed_seconds
    FROM current c
    JOIN monitoring_hourly_consumption h
      ON h.device_id = c.device_id AND h.hour_start = c.hour_start AND NOT h.estimated
    WHERE NOT EXISTS (SELECT 1 FROM monitoring_alert a
                       WHERE a.device_id = c.device_id AND a.hour_start = c.hour_start
                         AND a.kind IN ('over_limit', 'warning'))
"""

_RAISE_WARNINGS = f"""
    INSERT INTO monitoring_alert
           (device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at, state, kind)
    SELECT w.device_id,
           (SELECT o.owner_id FROM monitoring_ownership_period o
             WHERE o.device_id = w.device_id
               AND (o.valid_from IS NULL OR o.valid_from <= w.hour_start)
               AND (o.valid_to IS NULL OR o.valid_to >= w.hour_start + interval '1 hour')),
           w.hour_start, w.kwh, w.max_hourly_kwh, clock_timestamp(), 'open', 'warning'
    FROM unnest(%(devices)s::uuid[], %(hours)s::timestamptz[], %(kwh)s::numeric[],
                %(limits)s::numeric[]) AS w(device_id, hour_start, kwh, max_hourly_kwh)
    ON CONFLICT (device_id, kind, hour_start) DO NOTHING
    RETURNING {ALERT_COLUMNS}
"""  # noqa: S608 - the only interpolation is the constant column list

# A warning becomes `realised` as soon as its hour has an over-the-limit alert that stands, and
# `not_realised` once the hour is known complete (a reading at or after its end) without one, or
# when the meter stayed silent past the end for longer than the silence threshold.
_SETTLE_WARNINGS = f"""
    WITH due AS (
        SELECT w.id,
               EXISTS (SELECT 1 FROM monitoring_alert o
                        WHERE o.device_id = w.device_id AND o.hour_start = w.hour_start
                          AND o.kind = 'over_limit' AND o.state <> 'withdrawn') AS over
        FROM monitoring_alert w
        JOIN monitoring_device_projection p ON p.id = w.device_id
        WHERE w.kind = 'warning' AND w.state IN ('open', 'acknowledged')
    )
    UPDATE monitoring_alert w
       SET state = CASE WHEN d.over THEN 'realised' ELSE 'not_realised' END,
           resolved_at = clock_timestamp()
    FROM due d, monitoring_device_projection p
    WHERE w.id = d.id AND p.id = w.device_id
      AND (d.over
           OR p.last_reading_at >= w.hour_start + interval '1 hour'
           OR w.hour_start + interval '1 hour' + %(grace)s * interval '1 second' <= %(now)s)
    RETURNING {", ".join("w." + column for column in ALERT_COLUMNS.split(", "))}
"""  # noqa: S608 - the only interpolation is the constant column list


def warnings_raise(*, now: dt.datetime) -> list[Alert]:
    """A warning for each meter whose current hour is projected over its limit (new ones)."""
    nominal = settings.MONITORING_NOMINAL_INTERVAL_SECONDS
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(_CURRENT_HOURS, {"now": now, "nominal": nominal})
        rows = []
        for device_id, hour_start, limit, kwh, observed in cursor.fetchall():
            observed = float(observed)
            if not observed_enough(observed) or kwh > limit:
                continue  # too early to tell, or the hour is over the limit already (an alert)
            projected = projected_total(kwh_so_far=kwh, observed_seconds=observed)
            if projected is not None and projected > limit:
                rows.append((device_id, hour_start, round(projected, 8), limit))
        if not rows:
            return []
        cursor.execute(
            _RAISE_WARNINGS,
            {
                "devices": [row[0] for row in rows],
                "hours": [row[1] for row in rows],
                "kwh": [row[2] for row in rows],
                "limits": [row[3] for row in rows],
            },
        )
        return _alerts(cursor)


def warnings_settle(*, now: dt.datetime) -> list[Alert]:
    """Settle the warnings whose hour went over (realised) or is over without it."""
    grace = settings.MONITORING_NOMINAL_INTERVAL_SECONDS * settings.MONITORING_SILENCE_INTERVALS
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(_SETTLE_WARNINGS, {"now": now, "grace": grace})
        return _alerts(cursor)
