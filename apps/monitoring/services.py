"""Writes of the monitoring app: ingesting a batch of readings, alerts, quarantine, retention.

The arithmetic (docs/monitoring.md): consumption is derived from consecutive stored readings of
a device, each interval's energy spread over the hours it overlaps in proportion to time. A batch
recomputes the hours its new readings can affect, from the stored readings alone, so the hourly
totals are a pure function of the set of stored readings, whatever the order of arrival.
"""

import asyncio
import datetime as dt
import json
import logging
import math
import os
import threading
import uuid
from dataclasses import dataclass, field

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections, transaction
from django.db.models import JSONField, Value
from django.utils import timezone

from ems.celery import app as celery_app
from ems.events import READINGS_QUEUE
from ems.groups import ADMINS_GROUP, user_group

from .models import Alert, QuarantinedReading
from .validation import Rejection, readings_validate

logger = logging.getLogger(__name__)

# The Celery task name of a batch of readings (apps/monitoring/tasks.py registers it).
INGEST_READINGS = "monitoring.ingest_readings"
PUBLISH_BATCH_SIZE = 1000

_INSERT_READINGS = """
    WITH inserted AS (
        INSERT INTO monitoring_reading (device_id, timestamp, value)
        SELECT (r ->> 0)::uuid, timestamptz 'epoch' + (r ->> 1)::bigint * interval '1 microsecond',
               (r ->> 2)::numeric
        FROM jsonb_array_elements(%s::jsonb) AS r
        ON CONFLICT (device_id, timestamp) DO NOTHING
        RETURNING device_id, timestamp
    )
    SELECT device_id, min(timestamp), max(timestamp), count(*) FROM inserted GROUP BY device_id
"""

# For each device with new readings: the hours the new readings can change (from the stored
# reading before the first new one, minus one nominal interval for an interval meter's first
# reading, to the stored reading after the last new one), recomputed from the stored readings
# around them; hours that no longer have any energy are deleted, changed ones upserted, and an
# alert inserted for each changed hour above the device's limit (at most one per device-hour).
_RECOMPUTE_HOURS = """
    WITH touched(device_id, first_new, last_new) AS (
        SELECT * FROM unnest(%(devices)s::uuid[], %(firsts)s::timestamptz[],
                             %(lasts)s::timestamptz[])
    ), bounds AS (
        SELECT t.device_id, p.meter_kind, p.max_hourly_kwh, p.owner_id,
               date_trunc('hour', coalesce(
                   (SELECT max(r.timestamp) FROM monitoring_reading r
                     WHERE r.device_id = t.device_id AND r.timestamp < t.first_new),
                   t.first_new) - %(nominal)s * interval '1 second') AS hour_lo,
               date_trunc('hour', coalesce(
                   (SELECT min(r.timestamp) FROM monitoring_reading r
                     WHERE r.device_id = t.device_id AND r.timestamp > t.last_new),
                   t.last_new)) + interval '1 hour' AS hour_hi
        FROM touched t JOIN monitoring_device_projection p ON p.id = t.device_id
    ), span AS (
        SELECT b.*,
               coalesce((SELECT max(r.timestamp) FROM monitoring_reading r
                          WHERE r.device_id = b.device_id AND r.timestamp <= b.hour_lo),
                        b.hour_lo) AS read_from,
               coalesce((SELECT min(r.timestamp) FROM monitoring_reading r
                          WHERE r.device_id = b.device_id AND r.timestamp >= b.hour_hi),
                        b.hour_hi) AS read_to
        FROM bounds b
    ), ordered AS (
        SELECT s.device_id, s.meter_kind, s.hour_lo, s.hour_hi, r.timestamp, r.value,
               lag(r.timestamp) OVER w AS prev_timestamp, lag(r.value) OVER w AS prev_value
        FROM span s
        JOIN monitoring_reading r
          ON r.device_id = s.device_id AND r.timestamp BETWEEN s.read_from AND s.read_to
        WINDOW w AS (PARTITION BY r.device_id ORDER BY r.timestamp)
    ), intervals AS (
        SELECT device_id, hour_lo, hour_hi, timestamp AS end_at,
               CASE WHEN meter_kind = 'interval'
                    THEN coalesce(prev_timestamp, timestamp - %(nominal)s * interval '1 second')
                    ELSE prev_timestamp END AS start_at,
               CASE WHEN meter_kind = 'interval' THEN value
                    WHEN prev_value IS NULL THEN NULL
                    WHEN value >= prev_value THEN value - prev_value
                    ELSE value END AS energy  -- a negative difference is a reset: from zero
        FROM ordered
    ), pieces AS (
        SELECT i.device_id, g.hour_start,
               i.energy * extract(epoch FROM least(i.end_at, g.hour_start + interval '1 hour')
                                            - greatest(i.start_at, g.hour_start))
                        / extract(epoch FROM i.end_at - i.start_at) AS kwh
        FROM intervals i
        CROSS JOIN LATERAL generate_series(
            greatest(date_trunc('hour', i.start_at), i.hour_lo),
            least(date_trunc('hour', i.end_at - interval '1 microsecond'),
                  i.hour_hi - interval '1 hour'),
            interval '1 hour') AS g(hour_start)
        WHERE i.start_at IS NOT NULL AND i.energy IS NOT NULL
    ), computed AS (
        SELECT device_id, hour_start, round(sum(kwh), 8) AS kwh
        FROM pieces GROUP BY device_id, hour_start
    ), removed AS (
        DELETE FROM monitoring_hourly_consumption h USING bounds b
        WHERE h.device_id = b.device_id AND h.hour_start >= b.hour_lo
          AND h.hour_start < b.hour_hi
          AND NOT EXISTS (SELECT 1 FROM computed c
                           WHERE c.device_id = h.device_id AND c.hour_start = h.hour_start)
    ), changed AS (
        INSERT INTO monitoring_hourly_consumption (device_id, hour_start, kwh)
        SELECT device_id, hour_start, kwh FROM computed
        ON CONFLICT (device_id, hour_start) DO UPDATE SET kwh = EXCLUDED.kwh
        WHERE monitoring_hourly_consumption.kwh IS DISTINCT FROM EXCLUDED.kwh
        RETURNING device_id, hour_start, kwh
    )
    INSERT INTO monitoring_alert (device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at)
    SELECT c.device_id, b.owner_id, c.hour_start, c.kwh, b.max_hourly_kwh, clock_timestamp()
    FROM changed c JOIN bounds b ON b.device_id = c.device_id
    WHERE c.kwh > b.max_hourly_kwh
    ON CONFLICT (device_id, hour_start) DO NOTHING
    RETURNING id, device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at, acknowledged_at
"""


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)


def _lock_key(device_id: uuid.UUID) -> int:
    return int.from_bytes(device_id.bytes[:8], "big", signed=True)


def readings_quarantine(*, rejections: list[Rejection], batch_id: str | None = None) -> None:
    """Keep what could not be ingested, with its raw payload and the reason (one INSERT).

    With a `batch_id`, a reading already quarantined from that batch is not kept twice.
    """
    if not rejections:
        return
    now = timezone.now()
    rows = []
    for rejection in rejections:
        payload, altered = _jsonable(rejection.payload)
        detail = rejection.detail + (STORABLE_NOTE if altered else "")
        rows.append(
            QuarantinedReading(
                # JSON null, not SQL NULL, for a `null` in the batch.
                payload=Value(None, JSONField()) if payload is None else payload,
                reason=rejection.reason,
                detail=detail[:500],
                received_at=now,
                batch_id=batch_id,
                position=rejection.position if batch_id else None,
            )
        )
    QuarantinedReading.objects.using("monitoring").bulk_create(rows, ignore_conflicts=True)


# Appended to the detail of a quarantined reading whose payload had to be altered to be stored.
STORABLE_NOTE = (
    " (payload altered to be storable: NUL and lone surrogates written as \\uXXXX text,"
    " non-finite numbers as strings, nesting cut)"
)


def _jsonable(payload, depth: int = 0) -> tuple[object, bool]:
    """The payload as PostgreSQL's jsonb can store it, and whether it had to be altered.

    jsonb refuses NUL (\\u0000) and lone surrogates in text, keys included, and JSON has no NaN or
    Infinity: those become escaped text (a reader still sees what was sent). Nesting deeper than
    any reading is cut (it would overflow the JSON encoder's recursion).
    """
    if depth > 16:
        return "<nested too deep>", True
    if isinstance(payload, float) and not math.isfinite(payload):
        return str(payload), True
    if isinstance(payload, str):
        return _storable_text(payload)
    if isinstance(payload, dict):
        pairs = [
            (_storable_text(str(key)), _jsonable(value, depth + 1))
            for key, value in payload.items()
        ]
        stored = {key: value for (key, _), (value, _) in pairs}
        return stored, any(a or b for (_, a), (_, b) in pairs)
    if isinstance(payload, list):
        items = [_jsonable(value, depth + 1) for value in payload]
        return [value for value, _ in items], any(altered for _, altered in items)
    return payload, False


def _storable_text(text: str) -> tuple[str, bool]:
    if "\x00" not in text and not _has_lone_surrogate(text):
        return text, False
    escaped = text.encode("utf-8", "backslashreplace").decode("utf-8")  # \ud800 as text
    return escaped.replace("\x00", "\\u0000"), True


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True)
class Acceptance:
    accepted: int
    rejected: int
    reasons: dict[str, int]


class BrokerUnavailable(RuntimeError):
    """The readings could not be enqueued; nothing was accepted."""


def readings_accept(*, raw_readings: list, only_device_id: uuid.UUID | None = None) -> Acceptance:
    """HTTP ingestion: validate at the edge, quarantine the rejects, enqueue the valid readings.

    The worker validates again (the same code) when it ingests them: the projection may have
    changed in between, and the queue is also fed by other publishers.
    """
    validated = readings_validate(
        raw_readings=raw_readings, now=timezone.now(), only_device_id=only_device_id
    )
    readings_quarantine(rejections=validated.rejections)
    payloads = [reading.payload for reading in validated.readings]
    for start in range(0, len(payloads), PUBLISH_BATCH_SIZE):
        try:
            readings_publish(readings=payloads[start : start + PUBLISH_BATCH_SIZE])
        except Exception as error:  # kombu raises several kinds when the broker is down
            raise BrokerUnavailable(str(error)) from error
    return Acceptance(
        accepted=len(payloads), rejected=len(validated.rejections), reasons=validated.reasons
    )


def readings_publish(*, readings: list[dict]) -> None:
    """Enqueue one batch for the readings worker (a Celery task sent by name)."""
    celery_app.send_task(INGEST_READINGS, kwargs={"readings": readings}, queue=READINGS_QUEUE)


def readings_ingest(
    *, raw_readings: list, now: dt.datetime | None = None, batch_id: str | None = None
) -> IngestResult:
    """Validate, store and aggregate one batch in one transaction; returns what happened.

    Idempotent: a redelivered batch inserts nothing new and changes no total, so a batch
    interrupted at any point (the transaction rolls back) counts exactly once when retried.
    """
    validated = readings_validate(raw_readings=raw_readings, now=now or timezone.now())
    result = IngestResult(rejected=len(validated.rejections), reasons=validated.reasons)
    with transaction.atomic(using="monitoring"):
        readings_quarantine(rejections=validated.rejections, batch_id=batch_id)
        if validated.readings:
            result.stored, result.alerts = _store_and_aggregate(validated.readings)
        result.duplicates = len(validated.readings) - result.stored
        if result.alerts:
            alerts = list(result.alerts)
            transaction.on_commit(lambda: alerts_push(alerts=alerts), using="monitoring")
    return result


def _store_and_aggregate(readings) -> tuple[int, list[Alert]]:
    device_ids = sorted({reading.device_id for reading in readings})
    with connections["monitoring"].cursor() as cursor:
        # The planner overestimates generate_series and would JIT-compile the recompute: that
        # costs several times what the statement does (measured: 84 ms of 111 ms).
        cursor.execute("SET LOCAL jit = off")
        # One device's batches are serialised (two workers must not each miss the other's
        # uncommitted neighbour readings); keys sorted so two batches cannot deadlock.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k) AS keys",
            [sorted({_lock_key(device_id) for device_id in device_ids})],
        )
        # One JSON document as the only parameter: binding three arrays of thousands of
        # elements costs more in the driver than the database spends inserting them.
        texts = {device_id: str(device_id) for device_id in device_ids}
        rows = [[texts[reading.device_id], reading.micros, reading.value] for reading in readings]
        cursor.execute(_INSERT_READINGS, [json.dumps(rows)])
        touched = cursor.fetchall()
        if settings.MONITORING_TEST_INGEST_DELAY_SECONDS:
            cursor.execute("SELECT pg_sleep(%s)", [settings.MONITORING_TEST_INGEST_DELAY_SECONDS])
        if not touched:
            return 0, []
        cursor.execute(
            _RECOMPUTE_HOURS,
            {
                "devices": [row[0] for row in touched],
                "firsts": [row[1] for row in touched],
                "lasts": [row[2] for row in touched],
                "nominal": settings.MONITORING_NOMINAL_INTERVAL_SECONDS,
            },
        )
        columns = [column.name for column in cursor.description]
        alerts = [Alert(**dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]
    return sum(row[3] for row in touched), alerts


def alert_payload(alert: Alert) -> dict:
    """The alert as the REST API and the channel-layer message show it (JSON-serialisable)."""
    return {
        "id": alert.id,
        "device": str(alert.device_id),
        "hour_start": alert.hour_start.isoformat(),
        "kwh": float(alert.kwh),
        "max_hourly_kwh": float(alert.max_hourly_kwh),
        "created_at": alert.created_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
    }


def alerts_push(*, alerts: list[Alert]) -> None:
    """Send new alerts to the owner's group and the administrators' group (best effort).

    Alerts are stored before this runs; a browser that missed the push catches up over REST.
    One event-loop round trip for the whole batch: async_to_sync per message cost ~4 ms each.
    """
    messages = []
    for alert in alerts:
        message = {"type": "alert.created", "alert": alert_payload(alert)}
        groups = [ADMINS_GROUP] + ([user_group(alert.owner_id)] if alert.owner_id else [])
        messages += [(group, message) for group in groups]
    future = asyncio.run_coroutine_threadsafe(_group_send_all(messages), _push_loop())
    try:
        future.result(timeout=10)
    except Exception:  # best effort, see above
        logger.exception("could not push %s alerts", len(alerts))


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def _push_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread, so the channel layer keeps its Redis
    connections between batches (async_to_sync made a new loop and connection each time:
    ~40 ms per batch). Recreated after a fork (prefork pool processes)."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
            threading.Thread(target=_loop.run_forever, name="alert-push", daemon=True).start()
        return _loop


async def _group_send_all(messages: list[tuple[str, dict]]) -> None:
    channel_layer = get_channel_layer()

    async def send(group: str, message: dict) -> None:
        try:
            await channel_layer.group_send(group, message)
        except Exception:  # the channel layer is best effort; the alert is stored
            logger.exception("could not push alert %s to %s", message["alert"]["id"], group)

    # Concurrently: a batch of a fleet can raise dozens of alerts, each a few Redis round trips.
    await asyncio.gather(*(send(group, message) for group, message in messages))


def alert_acknowledge(*, alert: Alert) -> Alert:
    """Mark the alert acknowledged; acknowledging again keeps the first time (idempotent)."""
    with transaction.atomic(using="monitoring"):
        Alert.objects.using("monitoring").filter(id=alert.id, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
    return Alert.objects.using("monitoring").get(id=alert.id)


def readings_delete_old(*, now: dt.datetime | None = None) -> int:
    """Delete raw readings older than the retention, in chunks; hourly totals are kept."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.MONITORING_RAW_RETENTION_DAYS)
    chunk = settings.MONITORING_RETENTION_CHUNK
    deleted = 0
    while True:
        # Short transactions: a chunk at a time, so ingestion is not blocked for long.
        with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
            cursor.execute(
                "DELETE FROM monitoring_reading WHERE id IN (SELECT id FROM monitoring_reading"
                " WHERE timestamp < %s LIMIT %s)",
                [cutoff, chunk],
            )
            deleted += cursor.rowcount
            if cursor.rowcount < chunk:
                return deleted
