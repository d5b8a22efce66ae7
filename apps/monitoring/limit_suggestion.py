"""A `max_hourly_kwh` that fits a meter's history, and how many alerts it would have raised.

The rule and its argument are in docs/monitoring.md ("Limits that fit"). Both reads are one
set-based query each over monitoring_hourly_consumption; estimated hours are left out, as they
are by the alert check.
"""

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.utils import timezone as django_timezone

from .models import DeviceProjection
from .ownership import hour_floor

# Weeks of history the percentiles are taken over, and at least how many must hold readings.
HISTORY_WEEKS = 8
MIN_HISTORY_WEEKS = 2
PERCENTILE = 0.99
MARGIN = Decimal("0.10")
# Alerts are counted over this window with the current and the suggested limit.
REPLAY_DAYS = 30
# Limits have three decimals (apps/devices/models.py); the suggestion is rounded up to them.
STEP = Decimal("0.001")


@dataclass(frozen=True)
class LimitSuggestion:
    device_id: uuid.UUID
    current_kwh: Decimal
    # None when the meter has less than MIN_HISTORY_WEEKS of measured hours.
    suggested_kwh: Decimal | None
    history_hours: int
    alerts_with_current: int
    alerts_with_suggested: int | None
    since: dt.datetime
    until: dt.datetime

    def payload(self) -> dict:
        return {
            "device": str(self.device_id),
            "current_max_hourly_kwh": f"{self.current_kwh:.3f}",
            "suggested_max_hourly_kwh": (
                None if self.suggested_kwh is None else f"{self.suggested_kwh:.3f}"
            ),
            "history_hours": self.history_hours,
            "rule": (
                f"highest {PERCENTILE:.0%} percentile of the same hour of the week (UTC) "
                f"over the last {HISTORY_WEEKS} weeks, plus {MARGIN:.0%}"
            ),
            "alerts_last_30_days": {
                "current": self.alerts_with_current,
                "suggested": self.alerts_with_suggested,
            },
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }


_PERCENTILES = """
    WITH slots AS (
        SELECT percentile_cont(%(percentile)s) WITHIN GROUP (ORDER BY kwh) AS high
        FROM monitoring_hourly_consumption
        WHERE device_id = %(device)s AND NOT estimated
          AND hour_start >= %(low)s AND hour_start < %(high)s
        GROUP BY extract(isodow FROM hour_start AT TIME ZONE 'UTC'),
                 extract(hour FROM hour_start AT TIME ZONE 'UTC')
    )
    SELECT max(high),
           (SELECT count(*) FROM monitoring_hourly_consumption
             WHERE device_id = %(device)s AND NOT estimated
               AND hour_start >= %(low)s AND hour_start < %(high)s)
    FROM slots
"""

_REPLAY = """
    SELECT count(*) FILTER (WHERE kwh > %(current)s),
           count(*) FILTER (WHERE kwh > %(suggested)s)
    FROM monitoring_hourly_consumption
    WHERE device_id = %(device)s AND NOT estimated
      AND hour_start >= %(low)s AND hour_start < %(high)s
"""


def suggested_limit(*, highest_percentile: float | Decimal) -> Decimal:
    """The highest slot's percentile plus the margin, rounded up to the limit's three decimals
    (never zero: a limit must be positive)."""
    raised = Decimal(str(highest_percentile)) * (1 + MARGIN)
    steps = math.ceil(raised / STEP)
    return max(steps, 1) * STEP


def limit_suggestion(
    *, device_id: uuid.UUID, now: dt.datetime | None = None
) -> LimitSuggestion | None:
    """The suggestion for a live device, None if monitoring does not know it."""
    device = (
        DeviceProjection.objects.using("monitoring").filter(id=device_id, deleted=False).first()
    )
    if device is None:
        return None
    until = hour_floor(now or django_timezone.now())
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            _PERCENTILES,
            {
                "percentile": PERCENTILE,
                "device": device_id,
                "low": until - dt.timedelta(weeks=HISTORY_WEEKS),
                "high": until,
            },
        )
        highest, history_hours = cursor.fetchone()
        suggested = None
        if highest is not None and history_hours >= MIN_HISTORY_WEEKS * 7 * 24:
            suggested = suggested_limit(highest_percentile=highest)
        since = until - dt.timedelta(days=REPLAY_DAYS)
        cursor.execute(
            _REPLAY,
            {
                "current": device.max_hourly_kwh,
                "suggested": suggested if suggested is not None else device.max_hourly_kwh,
                "device": device_id,
                "low": since,
                "high": until,
            },
        )
        with_current, with_suggested = cursor.fetchone()
    return LimitSuggestion(
        device_id=device_id,
        current_kwh=device.max_hourly_kwh,
        suggested_kwh=suggested,
        history_hours=history_hours,
        alerts_with_current=with_current,
        alerts_with_suggested=with_suggested if suggested is not None else None,
        since=since,
        until=until,
    )
