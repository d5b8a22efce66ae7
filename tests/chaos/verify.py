"""What the system stored, compared with the independent computation from the acknowledged
readings: raw counts, hourly totals and alerts, after waiting for the system to converge."""

import time
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
import redis

from .arithmetic import alert_hours, hourly_totals
from .workload import Outcome

TOLERANCE = Decimal("0.000001")
STABLE_SAMPLES = 4
_ALERTS = (
    "SELECT device_id::text, (extract(epoch FROM hour_start) * 1000)::bigint, {withdrawn}"
    " FROM monitoring_alert"
)

# Days of the daily rollup that differ from the sum of their stored hours (exact), either side
# missing: the rollup's triggers must keep it whatever the faults.
_WRONG_DAYS = """
    SELECT count(*) FROM (
        SELECT device_id, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start,
               sum(kwh) AS kwh, count(*) AS hours
        FROM monitoring_hourly_consumption GROUP BY 1, 2) AS e
    FULL JOIN monitoring_daily_consumption d USING (device_id, day_start)
    WHERE (e.kwh, e.hours) IS DISTINCT FROM (d.kwh, d.hours)
"""


@dataclass
class Stored:
    readings: dict  # (device, ms) -> value
    doubled: int
    hours: dict  # (device, hour ms) -> kWh
    alerts: set  # (device, hour ms), not withdrawn
    withdrawn: int
    quarantined: int
    wrong_days: int = 0  # daily rollup rows that are not the sum of their stored hours


@dataclass
class Figures:
    acknowledged: int = 0
    lost: int = 0
    doubled: int = 0
    unacknowledged_stored: int = 0  # stored after a request that got no answer: not an error
    unexplained: int = 0  # stored, never sent, or with another value
    wrong_hours: int = 0
    wrong_days: int = 0
    false_alerts: int = 0
    missing_alerts: int = 0
    withdrawn_alerts: int = 0
    quarantined: int = 0
    converge_seconds: float | None = None
    in_flight: str = ""  # what was left when it did not converge
    examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.converge_seconds is not None and not (
            self.lost
            or self.doubled
            or self.unexplained
            or self.wrong_hours
            or self.wrong_days
            or self.false_alerts
            or self.missing_alerts
        )


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _table_exists(connection, table: str) -> bool:
    return connection.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0]


def _has_column(connection, table: str, column: str) -> bool:
    return bool(
        connection.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [table, column],
        ).fetchone()
    )


def _backlog(database_url: str, redis_url: str) -> tuple[int, ...]:
    """What still holds readings on their way: inbox rows, or, in the code before issue 10 (no
    inbox), queued and unacknowledged messages; and the stored count.

    With the inbox the broker's messages are wake-ups that carry no readings (one per accepted
    request: they queue up under load), so the inbox alone says what is left.
    """
    with _connect(database_url) as connection:
        stored = connection.execute("SELECT count(*) FROM monitoring_reading").fetchone()[0]
        if _table_exists(connection, "monitoring_inbox"):
            inbox = connection.execute("SELECT count(*) FROM monitoring_inbox").fetchone()[0]
            return inbox, 0, 0, stored
    broker = redis.Redis.from_url(redis_url, socket_timeout=5)
    return 0, broker.llen("readings"), broker.hlen("unacked"), stored


def converge(database_url: str, redis_url: str, *, timeout: float) -> tuple[float | None, str]:
    """Seconds until nothing is in flight and the stored count holds still (None if never),
    and what was still in flight at the end."""
    started = time.monotonic()
    previous, stable = None, 0
    while time.monotonic() - started < timeout:
        try:
            backlog = _backlog(database_url, redis_url)
        except (psycopg.Error, redis.RedisError):
            backlog = None
        idle = backlog is not None and backlog[:3] == (0, 0, 0) and backlog == previous
        stable = stable + 1 if idle else 0
        if stable >= STABLE_SAMPLES:
            return time.monotonic() - started - STABLE_SAMPLES, ""
        previous = backlog
        time.sleep(1)
    if backlog is None:
        return None, "servers not answering"
    inbox, queued, unacknowledged, _ = backlog
    return None, f"inbox {inbox}, queued {queued}, unacked messages {unacknowledged}"


def stored_state(database_url: str) -> Stored:
    with _connect(database_url) as connection:
        rows = connection.execute(
            "SELECT device_id::text, (extract(epoch FROM timestamp) * 1000)::bigint, value"
            " FROM monitoring_reading"
        ).fetchall()
        hours = connection.execute(
            "SELECT device_id::text, (extract(epoch FROM hour_start) * 1000)::bigint, kwh"
            " FROM monitoring_hourly_consumption"
        ).fetchall()
        # The code before issue 10 has no withdrawn alerts: every alert stands.
        withdrawable = _has_column(connection, "monitoring_alert", "state")
        alerts = connection.execute(
            _ALERTS.format(withdrawn="state = 'withdrawn'" if withdrawable else "false")
        ).fetchall()
        quarantined = connection.execute(
            "SELECT count(*) FROM monitoring_quarantined_reading"
        ).fetchone()[0]
        wrong_days = 0
        if _table_exists(connection, "monitoring_daily_consumption"):  # since issue 13
            wrong_days = connection.execute(_WRONG_DAYS).fetchone()[0]
    readings = {(device, ms): value for device, ms, value in rows}
    return Stored(
        readings=readings,
        doubled=len(rows) - len(readings),
        hours={(device, ms): kwh for device, ms, kwh in hours},
        alerts={(device, ms) for device, ms, withdrawn in alerts if not withdrawn},
        withdrawn=sum(1 for *_, withdrawn in alerts if withdrawn),
        quarantined=quarantined,
        wrong_days=wrong_days,
    )


def compare(
    *, sent: dict, limits: dict, gap_ms: int | None, outcome: Outcome, stored: Stored
) -> Figures:
    """`sent`: every reading the suite made, {(device, ms): Decimal value}; `gap_ms`: the
    checkout's longest interval that still counts towards alerts (None: every one counts)."""
    acknowledged = outcome.acknowledged
    extra = set(stored.readings) - acknowledged
    explained = {key for key in extra & outcome.unacknowledged if stored.readings[key] == sent[key]}
    wrong_value = {
        key for key in acknowledged & set(stored.readings) if stored.readings[key] != sent[key]
    }
    # What the system may rightly hold: the acknowledged readings and those of unanswered requests.
    expected_hours, certain = hourly_totals(
        {key: sent[key] for key in acknowledged | explained}, gap_ms=gap_ms
    )
    expected_alerts = alert_hours(certain, limits)
    figures = Figures(
        acknowledged=len(acknowledged),
        lost=len(acknowledged - set(stored.readings)),
        doubled=stored.doubled,
        unacknowledged_stored=len(explained),
        unexplained=len(extra - explained) + len(wrong_value),
        wrong_hours=len(_wrong_hours(expected_hours, stored.hours)),
        wrong_days=stored.wrong_days,
        false_alerts=len(stored.alerts - expected_alerts),
        missing_alerts=len(expected_alerts - stored.alerts),
        withdrawn_alerts=stored.withdrawn,
        quarantined=stored.quarantined,
    )
    figures.examples = _examples(
        acknowledged - set(stored.readings), expected_hours, stored, expected_alerts
    )
    return figures


def _wrong_hours(expected: dict, actual: dict) -> set:
    zero = Decimal(0)
    return {
        key
        for key in expected.keys() | actual.keys()
        if abs(expected.get(key, zero) - actual.get(key, zero)) > TOLERANCE
    }


def _examples(lost: set, expected_hours: dict, stored: Stored, expected_alerts: set) -> list[str]:
    """A few concrete differences, to show in the report and the docs."""
    lines = [f"lost {device} {_iso(ms)}" for device, ms in sorted(lost)[:3]]
    for key in sorted(_wrong_hours(expected_hours, stored.hours))[:3]:
        lines.append(
            f"hour {key[0]} {_iso(key[1])}: stored {stored.hours.get(key)}"
            f" expected {expected_hours.get(key)}"
        )
    for key in sorted(stored.alerts - expected_alerts)[:3]:
        lines.append(f"false alert {key[0]} {_iso(key[1])}: final total {expected_hours.get(key)}")
    for key in sorted(expected_alerts - stored.alerts)[:3]:
        lines.append(f"missing alert {key[0]} {_iso(key[1])}: total {expected_hours.get(key)}")
    return lines


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))
