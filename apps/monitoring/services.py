"""Writes of the monitoring app: the readings inbox, ingestion, alerts, quarantine, retention.

Durability (docs/architecture.md, "Durable ingestion"): accepted readings are committed to the
inbox table before anyone is told they were accepted; a worker ingests a batch and deletes it
from the inbox in one transaction. The broker only wakes the workers.

The arithmetic (docs/monitoring.md): consumption is derived from consecutive stored readings of
a device, each interval's energy spread over the hours it overlaps in proportion to time. A batch
recomputes the hours its new readings can affect, from the stored readings alone, so the hourly
totals are a pure function of the set of stored readings, whatever the order of arrival.
"""

import asyncio
import bisect
import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import logging
import math
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
from celery.exceptions import SoftTimeLimitExceeded
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connections,
    transaction,
)
from django.db.models import JSONField, QuerySet, Value
from django.utils import timezone

from ems.db import bound_cursor
from ems.events import ALERTS_PER_EVENT, ALERTS_RAISED, NOTIFICATIONS_QUEUE
from ems.groups import ADMINS_GROUP, EVENTS_BATCH, EVENTS_PER_BATCH, user_group
from ems.publish import events_send

from . import delivery_attempts, demand, silence, wakeups
from .models import (
    Alert,
    AlertState,
    DeviceProjection,
    InboxBatch,
    QuarantinedReading,
    QuarantineReason,
    inbox_pack,
    inbox_unpack,
)
from .partitions import (
    RetentionResult,
    reading_partitions_drop_expired,
    reading_partitions_ensure,
)
from .validation import EPOCH, MICROSECOND, Rejection, Window, readings_validate

logger = logging.getLogger(__name__)

# The Celery task that drains the inbox (apps/monitoring/tasks.py registers it): a wake-up.
DRAIN_INBOX = wakeups.DRAIN_INBOX
# Readings per inbox row: what one worker transaction ingests.
INBOX_BATCH_SIZE = 1000

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
_ALERT_CHANGE_COLUMNS = (
    "id, device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at, acknowledged_at, "
    "state, withdrawn_at, kind, comment, resolved_at, change"
)
_RECOMPUTE_HOURS = f"""
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
    ), spans AS (
        SELECT *, date_trunc('hour', start_at) AS first_hour,
               date_trunc('hour', end_at - interval '1 microsecond') AS last_hour
        FROM intervals
        WHERE start_at IS NOT NULL AND energy IS NOT NULL
    ), pieces AS (
        -- An interval within one hour (the usual one) is all of that hour's: its energy as it
        -- is, without the series and the proportion (energy * d / d is the energy exactly).
        SELECT device_id, first_hour AS hour_start, energy AS kwh,
               end_at - start_at > %(gap)s * interval '1 second' AS over_gap
        FROM spans
        WHERE first_hour = last_hour AND first_hour >= hour_lo AND first_hour < hour_hi
        UNION ALL
        SELECT i.device_id, g.hour_start,
               i.energy * extract(epoch FROM least(i.end_at, g.hour_start + interval '1 hour')
                                            - greatest(i.start_at, g.hour_start))
                        / extract(epoch FROM i.end_at - i.start_at) AS kwh,
               i.end_at - i.start_at > %(gap)s * interval '1 second' AS over_gap
        FROM spans i
        CROSS JOIN LATERAL generate_series(
            greatest(i.first_hour, i.hour_lo),
            least(i.last_hour, i.hour_hi - interval '1 hour'),
            interval '1 hour') AS g(hour_start)
        WHERE i.first_hour <> i.last_hour
    ), computed AS (
        -- `certain`: the energy that was surely used in the hour. Energy spread over a gap
        -- longer than %(gap)s s may have been used in any hour of the gap: shown, estimated.
        SELECT device_id, hour_start, round(sum(kwh), 8) AS kwh,
               round(coalesce(sum(kwh) FILTER (WHERE NOT over_gap), 0), 8) AS certain,
               bool_or(over_gap) AS estimated
        FROM pieces GROUP BY device_id, hour_start
    ), removed AS (
        DELETE FROM monitoring_hourly_consumption h USING bounds b
        WHERE h.device_id = b.device_id AND h.hour_start >= b.hour_lo
          AND h.hour_start < b.hour_hi
          AND NOT EXISTS (SELECT 1 FROM computed c
                           WHERE c.device_id = h.device_id AND c.hour_start = h.hour_start)
    ), changed AS (
        INSERT INTO monitoring_hourly_consumption (device_id, hour_start, kwh, estimated)
        SELECT device_id, hour_start, kwh, estimated FROM computed
        ON CONFLICT (device_id, hour_start) DO UPDATE
           SET kwh = EXCLUDED.kwh, estimated = EXCLUDED.estimated
        WHERE (monitoring_hourly_consumption.kwh, monitoring_hourly_consumption.estimated)
              IS DISTINCT FROM (EXCLUDED.kwh, EXCLUDED.estimated)
    ), over AS (
        SELECT c.device_id, c.hour_start, c.kwh, b.max_hourly_kwh,
               -- Sent to the owner of the hour (the period that holds all of it), not to whoever
               -- owns the meter when its readings arrive; only staff for an hour that changed
               -- hands.
               (SELECT o.owner_id FROM monitoring_ownership_period o
                 WHERE o.device_id = c.device_id
                   AND (o.valid_from IS NULL OR o.valid_from <= c.hour_start)
                   AND (o.valid_to IS NULL OR o.valid_to >= c.hour_start + interval '1 hour'))
               AS owner_id
        FROM computed c JOIN bounds b ON b.device_id = c.device_id
        WHERE c.certain > b.max_hourly_kwh
    ), standing AS (
        -- The alerts of the recomputed hours, with the hour's verdict (over_kwh null: not over).
        -- Per device (LATERAL): an index range each, where a join read every alert of the table.
        SELECT a.id, a.state, o.kwh AS over_kwh, coalesce(c.kwh, 0) AS kwh
        FROM bounds b
        CROSS JOIN LATERAL (
            SELECT a.id, a.state, a.device_id, a.hour_start FROM monitoring_alert a
            WHERE a.device_id = b.device_id AND a.kind = 'over_limit'
              AND a.hour_start >= b.hour_lo AND a.hour_start < b.hour_hi
            OFFSET 0) AS a  -- not flattened into a join
        LEFT JOIN over o ON o.device_id = a.device_id AND o.hour_start = a.hour_start
        LEFT JOIN computed c ON c.device_id = a.device_id AND c.hour_start = a.hour_start
    ), withdrawn AS (
        UPDATE monitoring_alert a
           SET state = 'withdrawn', withdrawn_at = clock_timestamp(), kwh = s.kwh
        FROM standing s
        WHERE a.id = s.id AND s.over_kwh IS NULL AND s.state <> 'withdrawn'
        RETURNING a.*, 'withdrawn' AS change
    ), reopened AS (
        UPDATE monitoring_alert a
           SET state = 'open', withdrawn_at = NULL, acknowledged_at = NULL, comment = '',
               kwh = s.over_kwh
        FROM standing s
        WHERE a.id = s.id AND s.over_kwh IS NOT NULL AND s.state = 'withdrawn'
        RETURNING a.*, 'raised' AS change
    ), followed AS (
        -- A standing alert follows its hour's total (no push: nothing new to say).
        UPDATE monitoring_alert a SET kwh = s.over_kwh
        FROM standing s
        WHERE a.id = s.id AND s.over_kwh IS NOT NULL AND s.state <> 'withdrawn'
          AND a.kwh <> s.over_kwh
    ), raised AS (
        INSERT INTO monitoring_alert
               (device_id, owner_id, hour_start, kwh, max_hourly_kwh, created_at, state)
        SELECT o.device_id, o.owner_id, o.hour_start, o.kwh, o.max_hourly_kwh,
               clock_timestamp(), 'open'
        FROM over o
        ON CONFLICT (device_id, kind, hour_start) DO NOTHING
        RETURNING *, 'raised' AS change
    )
    -- With the meter's description, as the pushes and the mail show it (alerts_describe).
    SELECT changes.*, d.description
    FROM (SELECT {_ALERT_CHANGE_COLUMNS} FROM raised
          UNION ALL SELECT {_ALERT_CHANGE_COLUMNS} FROM reopened
          UNION ALL SELECT {_ALERT_CHANGE_COLUMNS} FROM withdrawn) AS changes
    LEFT JOIN monitoring_device_projection d ON d.id = changes.device_id
"""  # noqa: S608 - the only interpolation is the constant column list


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    # Alerts raised or reopened by the batch, and alerts it withdrew.
    alerts: list[Alert] = field(default_factory=list)
    withdrawn: list[Alert] = field(default_factory=list)
    # Other changes of state the batch made (a silent meter's alert resolved).
    updated: list[Alert] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


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


READING_FIELDS = ("device_id", "timestamp", "measurement_value")


def readings_accept(*, raw_readings: list, only_device_id: uuid.UUID | None = None) -> Acceptance:
    """HTTP ingestion: validate at the edge; the rejects go to the quarantine and the valid
    readings to the inbox in one transaction. Once this returns, they are durable.

    A database error propagates (the API answers 503): then nothing was accepted. The worker
    validates again when it ingests them: the projection may have changed in between.
    """
    validated = readings_validate(
        raw_readings=raw_readings, now=timezone.now(), only_device_id=only_device_id
    )
    # Only the fields of a reading travel on: they were checked, anything else was not.
    payloads = [
        {name: reading.payload[name] for name in READING_FIELDS} for reading in validated.readings
    ]
    with transaction.atomic(using="monitoring"):
        readings_quarantine(rejections=validated.rejections)
        _inbox_insert(payloads)
    return Acceptance(
        accepted=len(payloads), rejected=len(validated.rejections), reasons=validated.reasons
    )


def readings_enqueue(*, readings: list) -> None:
    """Keep a batch of readings in the inbox for the workers (the simulator's and scripts' way
    in); durable once this returns. The worker validates and quarantines what is wrong."""
    with transaction.atomic(using="monitoring"):
        _inbox_insert(readings)


def _inbox_insert(readings: list) -> None:
    """Rows of at most INBOX_BATCH_SIZE readings, and a wake-up for the workers on commit."""
    if not readings:
        return
    now = timezone.now()
    InboxBatch.objects.using("monitoring").bulk_create(
        InboxBatch(
            readings=inbox_pack(readings[start : start + INBOX_BATCH_SIZE]),
            device_ids=_device_ids(readings[start : start + INBOX_BATCH_SIZE]),
            received_at=now,
        )
        for start in range(0, len(readings), INBOX_BATCH_SIZE)
    )
    transaction.on_commit(wakeups.wake, using="monitoring")


def _device_ids(readings: list) -> list[uuid.UUID]:
    """The meters a batch names (what is not a UUID is the worker's to quarantine)."""
    texts = {reading.get("device_id") for reading in readings if isinstance(reading, dict)}
    ids = set()
    for text in texts:
        if isinstance(text, str):
            with contextlib.suppress(ValueError):
                ids.add(uuid.UUID(text))
    return sorted(ids)


# The oldest batches none of whose meters has an older batch still in the inbox: batches of one
# meter are ingested in the order they were accepted, even by several workers. SKIP LOCKED
# passes over batches other workers hold; an older batch held by a worker still counts (its
# row stays visible until that worker commits), so its meters' later batches wait for it. Two
# batches taken together share no meter (the later would have the earlier as an older one).
_CLAIM_BATCHES = """
    SELECT i.id, i.readings, i.received_at FROM monitoring_inbox i
    WHERE NOT EXISTS (SELECT 1 FROM monitoring_inbox o
                       WHERE o.device_ids && i.device_ids AND o.id < i.id)
    ORDER BY i.id
    LIMIT %s
    FOR UPDATE OF i SKIP LOCKED
"""


@dataclass
class DrainResult:
    batches: int = 0
    readings: int = 0
    quarantined_batches: int = 0


# Errors that say the database or the deployment is unwell, not the batch: the batch stays in
# the inbox, however long that lasts (a prepared statement a migration made stale is an
# OperationalError too: ems/db.StaleStatement).
ENVIRONMENT_ERRORS = (OperationalError, InterfaceError, ProgrammingError, SoftTimeLimitExceeded)


def inbox_drain(*, seconds: float | None = None) -> DrainResult:
    """Ingest inbox batches until none is left (or `seconds` passed), several to a transaction.

    Batches are ingested and deleted from the inbox in one transaction: a worker that dies
    leaves them in the inbox (their locks go with its connection) for the next drain. A
    database error ends the drain and keeps the batches.
    """
    result = DrainResult()
    deadline = None if seconds is None else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        if not _inbox_take(result):
            break
    return result


@dataclass
class _Taken:
    """An inbox batch a worker holds: its readings and the attempts made at it so far."""

    id: int
    readings: list
    attempts_name: str
    attempts: int = 0

    @property
    def name(self) -> str:  # the batch_id of its quarantined readings
        return f"inbox-{self.id}"


def _inbox_take(result: DrainResult) -> bool:
    """Take up to MONITORING_DRAIN_BATCHES batches and ingest them in one transaction.

    A backlog costs fewer transactions (each has a dozen statements, a commit and the pushes
    that follow it: a third of a 1000-reading batch's time). Only batches taken for the first
    time share a transaction: a batch taken again (its worker died in it) is ingested alone, so
    a batch that kills its worker never takes another batch to the redelivery limit with it.
    """
    with transaction.atomic(using="monitoring"):
        with bound_cursor("monitoring") as cursor:
            cursor.execute(_CLAIM_BATCHES, [settings.MONITORING_DRAIN_BATCHES])
            rows = cursor.fetchall()
        if not rows:
            return False
        held = [
            _Taken(
                id=batch_id,
                readings=inbox_unpack(json.loads(stored) if isinstance(stored, str) else stored),
                attempts_name=inbox_attempts_name(batch_id, received_at),
            )
            for batch_id, stored, received_at in rows
        ]
        counts = delivery_attempts.start_many([batch.attempts_name for batch in held])
        if counts is None:
            # Redis cannot count: one batch at a time, as before counting (a batch taken
            # again must not share a transaction, and nothing tells which one was).
            held[0].attempts = 1
            taken = held[:1]
        else:
            for batch, attempts in zip(held, counts, strict=True):
                batch.attempts = attempts
            if held[0].attempts > 1:
                taken, left = held[:1], held[1:]
            else:
                taken = [batch for batch in held if batch.attempts == 1]
                left = [batch for batch in held if batch.attempts > 1]
            # Held until this transaction ends, but not taken now: the next drain takes them.
            delivery_attempts.undo_many([batch.attempts_name for batch in left])
        _ingest_taken(taken, result)
        with bound_cursor("monitoring") as cursor:
            cursor.execute(
                "DELETE FROM monitoring_inbox WHERE id = ANY(%s)", [[batch.id for batch in taken]]
            )
        names = [batch.attempts_name for batch in taken]
        transaction.on_commit(lambda: delivery_attempts.forget_many(names), using="monitoring")
    result.batches += len(taken)
    result.readings += sum(len(batch.readings) for batch in taken)
    return True


def _ingest_taken(taken: list[_Taken], result: DrainResult) -> None:
    """Ingest the batches together; if that fails for a reason of theirs, each on its own."""
    if len(taken) > 1:
        try:
            # A savepoint of its own: whatever fails in it, the batches can be taken one by one.
            with transaction.atomic(using="monitoring"):
                readings_ingest_parts(parts=[(batch.readings, batch.name) for batch in taken])
        except ENVIRONMENT_ERRORS:
            # The batches stay, and this attempt stays counted: taken again, each is taken
            # alone once. (A batch that meets an environment error alone is not counted, as
            # before: an outage must not park batches. One whose content keeps causing such an
            # error, a crashed backend say, holds up the drains behind it, as it did before.)
            raise
        except Exception:
            ids = [batch.id for batch in taken]
            logger.exception("inbox batches %s failed together; taken one by one", ids)
        else:
            return
    for batch in taken:
        _ingest_alone(batch, result)


def _ingest_alone(batch: _Taken, result: DrainResult) -> None:
    if batch.attempts > settings.MONITORING_MAX_DELIVERIES:
        logger.error("inbox batch %s taken %s times: quarantined", batch.id, batch.attempts)
        _quarantine_batch(
            batch.readings,
            QuarantineReason.REDELIVERY_LIMIT,
            f"taken {batch.attempts} times",
            batch.name,
        )
        result.quarantined_batches += 1
        return
    try:
        readings_ingest(raw_readings=batch.readings, batch_id=batch.name)
    except ENVIRONMENT_ERRORS:
        # Not the batch's fault: it stays, and this attempt does not count against it.
        delivery_attempts.forget(batch.attempts_name)
        raise
    except Exception as error:
        # A batch the code cannot ingest (validation catches bad input): park it whole.
        logger.exception("inbox batch %s failed; quarantined whole", batch.id)
        _quarantine_batch(
            batch.readings, QuarantineReason.PROCESSING_ERROR, repr(error), batch.name
        )
        result.quarantined_batches += 1


def inbox_attempts_name(batch_id: int, received_at: dt.datetime) -> str:
    """The name a batch's attempts are counted under: its id and the instant it was received,
    so that a counter left from another database's batch of the same id (a database restored
    from a backup, or made anew by a test run, while Redis kept its counters) is not this one's."""
    return f"inbox-{batch_id}@{received_at.timestamp():.6f}"


def _quarantine_batch(readings: list, reason: str, detail: str, batch_id: str) -> None:
    readings_quarantine(
        rejections=[
            Rejection(reading, reason, detail[:500], position)
            for position, reading in enumerate(readings)
        ],
        batch_id=batch_id,
    )


def readings_ingest(
    *,
    raw_readings: list,
    now: dt.datetime | None = None,
    batch_id: str | None = None,
    historical: bool = False,
) -> IngestResult:
    """Validate, store and aggregate one batch in one transaction; returns what happened.

    Idempotent: a batch ingested again inserts nothing new and changes no total, so a batch
    interrupted at any point (the transaction rolls back) counts exactly once when retried.

    `historical` (the bulk import, importing.py): any past is accepted, not only the live
    window, and the alerts it raises are recorded as already acknowledged and not pushed:
    last year's hours over the limit are history, not news (docs/monitoring.md, "History").
    """
    return readings_ingest_parts(parts=[(raw_readings, batch_id)], now=now, historical=historical)


def readings_ingest_parts(
    *,
    parts: list[tuple[list, str | None]],
    now: dt.datetime | None = None,
    historical: bool = False,
) -> IngestResult:
    """Several batches, (raw readings, batch id) each, ingested as one (readings_ingest).

    Each batch's rejections are quarantined under its own id, with their positions in it (the
    result's rejections too), so quarantining stays idempotent per batch.
    """
    now = now or timezone.now()
    window = Window.history(now) if historical else None
    raw_readings = parts[0][0] if len(parts) == 1 else [raw for part, _ in parts for raw in part]
    validated = readings_validate(raw_readings=raw_readings, now=now, window=window)
    by_part = _rejections_by_part(parts, validated.rejections)
    result = IngestResult(
        rejected=len(validated.rejections),
        reasons=validated.reasons,
        rejections=[rejection for _, rejections in by_part for rejection in rejections],
    )
    with transaction.atomic(using="monitoring"):
        for batch_id, rejections in by_part:
            readings_quarantine(rejections=rejections, batch_id=batch_id)
        if validated.readings:
            result.stored, changes = _store_and_aggregate(validated.readings)
            result.alerts = [alert for alert, change in changes if change == "raised"]
            result.withdrawn = [alert for alert, change in changes if change == "withdrawn"]
            result.updated = [alert for alert, change in changes if change == "resolved"]
        result.duplicates = len(validated.readings) - result.stored
        if historical:
            result.alerts = _alerts_acknowledge_historical(result.alerts, now)
        raised = [] if historical else list(result.alerts)
        withdrawn, updated = list(result.withdrawn), list(result.updated)
        # Live readings change their meters' current power (demand.py); history does not.
        touched = [] if historical or not result.stored else _devices_of(validated.readings)
        if raised or withdrawn or updated or touched:
            transaction.on_commit(
                lambda: _push_after_commit(raised, withdrawn, updated, touched),
                using="monitoring",
            )
    return result


def _rejections_by_part(
    parts: list[tuple[list, str | None]], rejections: list[Rejection]
) -> list[tuple[str | None, list[Rejection]]]:
    """(batch id, its rejections with their positions in it) for each part."""
    if len(parts) == 1:
        return [(parts[0][1], rejections)]
    starts = list(itertools.accumulate((len(part) for part, _ in parts), initial=0))
    grouped: list[tuple[str | None, list[Rejection]]] = [(batch_id, []) for _, batch_id in parts]
    for rejection in rejections:
        index = bisect.bisect_right(starts, rejection.position) - 1
        grouped[index][1].append(
            dataclasses.replace(rejection, position=rejection.position - starts[index])
        )
    return grouped


def _devices_of(readings) -> list[uuid.UUID]:
    return sorted({reading.device_id for reading in readings})


def _push_after_commit(
    raised: list[Alert], withdrawn: list[Alert], updated: list[Alert], touched: list
) -> None:
    alerts_push(alerts=raised, withdrawn=withdrawn, updated=updated)
    if touched:
        try:
            demand.demand_push(device_ids=touched)
        except Exception:  # best effort, like the alerts: the readings are stored
            logger.exception("could not push the demand of %s meters", len(touched))


def _alerts_acknowledge_historical(alerts: list[Alert], now: dt.datetime) -> list[Alert]:
    """Record the imported hours' alerts as acknowledged at `now`: kept, but nobody's news."""
    ids = [alert.id for alert in alerts]
    Alert.objects.using("monitoring").filter(id__in=ids, state=AlertState.OPEN).update(
        state=AlertState.ACKNOWLEDGED, acknowledged_at=now
    )
    return list(Alert.objects.using("monitoring").filter(id__in=ids).order_by("id"))


def _store_and_aggregate(readings) -> tuple[int, list[tuple[Alert, str]]]:
    device_ids = sorted({reading.device_id for reading in readings})
    # Each statement here is prepared once per connection (ems/db.py): planning the recompute
    # cost 3-4 ms a batch.
    with bound_cursor("monitoring") as cursor:
        # Sessions run without JIT (ems/settings/base.py): compiling the recompute cost several
        # times what the statement does (measured: 84 ms of 111 ms).
        # One device's batches are serialised (two workers must not each miss the other's
        # uncommitted neighbour readings); keys sorted so two batches cannot deadlock.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k) AS keys",
            [sorted({_lock_key(device_id) for device_id in device_ids})],
        )
        touched = _insert_readings(cursor, readings)
        if not touched:
            return 0, []
        # The meters' newest readings, and the end of their silences (silence.py).
        resolved = silence.readings_arrived(cursor=cursor, touched=touched)
        nominal = settings.MONITORING_NOMINAL_INTERVAL_SECONDS
        cursor.execute(
            _RECOMPUTE_HOURS,
            {
                "devices": [row[0] for row in touched],
                "firsts": [row[1] for row in touched],
                "lasts": [row[2] for row in touched],
                "nominal": nominal,
                "gap": nominal * settings.MONITORING_GAP_INTERVALS,
            },
        )
        columns = [column.name for column in cursor.description][:-2]
        changes = [
            (_described(Alert(**dict(zip(columns, row[:-2], strict=True))), row[-1]), row[-2])
            for row in cursor.fetchall()
        ]
    return sum(row[3] for row in touched), changes + [(alert, "resolved") for alert in resolved]


def _described(alert: Alert, description: str | None) -> Alert:
    alert.description = description or ""
    return alert


_COPY_READINGS = "COPY monitoring_reading (device_id, timestamp, value) FROM STDIN (FORMAT BINARY)"


def _insert_readings(cursor, readings) -> list[tuple]:
    """Store the readings that are new; (device, first, last, count) of those stored.

    The usual batch only extends its meters' series: a binary COPY straight into the table (a
    third less work for PostgreSQL than INSERT ... ON CONFLICT row by row, and no JSON). A
    batch repeating a timestamp, or with a stored reading within a device's span (a resent
    batch, a late one filling a gap), is inserted with ON CONFLICT DO NOTHING instead; so is a
    batch whose COPY still meets the unique key (undone to a savepoint). Either way the same
    set of readings is stored.
    """
    times = _times_by_device(readings)
    spans = [
        (device, EPOCH + min(ts) * MICROSECOND, EPOCH + max(ts) * MICROSECOND, len(ts))
        for device, ts in times.items()
    ]
    if all(len(set(ts)) == len(ts) for ts in times.values()) and not _stored_within(cursor, spans):
        cursor.execute("SAVEPOINT ingest_copy")
        try:
            # The driver's errors are given Django's classes here, so that a cancelled
            # statement or a lost connection is an environment error (the batch stays in the
            # inbox), not the batch's fault (quarantined).
            with connections["monitoring"].wrap_database_errors:
                _copy_readings(cursor, readings)
        except IntegrityError as error:
            if not isinstance(error.__cause__, psycopg.errors.UniqueViolation):
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT ingest_copy")
        else:
            cursor.execute("RELEASE SAVEPOINT ingest_copy")
            return spans  # (device, first, last, count), as _INSERT_READINGS returns them
    # One JSON document as the only parameter: binding three arrays of thousands of
    # elements costs more in the driver than the database spends inserting them.
    texts = {device_id: str(device_id) for device_id in times}
    rows = [[texts[reading.device_id], reading.micros, reading.value] for reading in readings]
    cursor.execute(_INSERT_READINGS, [json.dumps(rows)])
    return cursor.fetchall()


def _copy_readings(cursor, readings) -> None:
    """Binary COPY of the readings. The value as the JSON path passes it (an int, repr() of a
    float, or the canonical numeric text), so PostgreSQL stores the same numeric(20, 8)."""
    moments: dict[int, dt.datetime] = {}
    with cursor.copy(_COPY_READINGS) as copy:
        copy.set_types(["uuid", "timestamptz", "numeric"])
        for device_id, micros, value, _ in readings:
            moment = moments.get(micros)
            if moment is None:
                moment = moments[micros] = EPOCH + dt.timedelta(microseconds=micros)
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            copy.write_row((device_id, moment, number))


# Whether a stored reading lies within a device's span of the batch (one index probe per device):
# a resent batch or a re-imported file goes straight to ON CONFLICT instead of a failed COPY.
_STORED_WITHIN = """
    SELECT EXISTS (
        SELECT 1 FROM unnest(%s::uuid[], %s::timestamptz[], %s::timestamptz[]) AS t(d, lo, hi)
        WHERE EXISTS (SELECT 1 FROM monitoring_reading r
                       WHERE r.device_id = t.d AND r.timestamp BETWEEN t.lo AND t.hi))
"""


def _stored_within(cursor, spans: list[tuple]) -> bool:
    cursor.execute(
        _STORED_WITHIN,
        [[span[0] for span in spans], [span[1] for span in spans], [span[2] for span in spans]],
    )
    return cursor.fetchone()[0]


def _times_by_device(readings) -> dict[uuid.UUID, list[int]]:
    """Each device's reading times (microseconds), in one pass (hashing a UUID is Python code)."""
    times: dict[uuid.UUID, list[int]] = {}
    for device_id, micros, _, _ in readings:
        found = times.get(device_id)
        if found is None:
            times[device_id] = [micros]
        else:
            found.append(micros)
    return times


def _isoformat(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def alert_payload(alert: Alert) -> dict:
    """The alert as the REST API and the channel-layer message show it (JSON-serialisable).

    `description` is the meter's as monitoring's projection has it (`alert_list` annotates it,
    `alerts_push` reads it); `owner` is the account the alert was sent to (null: staff only).
    """
    return {
        "id": alert.id,
        "kind": alert.kind,
        "device": str(alert.device_id),
        "description": getattr(alert, "description", None) or "",
        "owner": alert.owner_id,
        "hour_start": alert.hour_start.isoformat(),
        "kwh": float(alert.kwh),
        "max_hourly_kwh": float(alert.max_hourly_kwh),
        "state": alert.state,
        "created_at": alert.created_at.isoformat(),
        "acknowledged_at": _isoformat(alert.acknowledged_at),
        "comment": alert.comment,
        "withdrawn_at": _isoformat(alert.withdrawn_at),
        "resolved_at": _isoformat(alert.resolved_at),
    }


def alerts_describe(alerts: list[Alert]) -> None:
    """Give each alert its meter's description (one query for the lot)."""
    device_ids = {alert.device_id for alert in alerts if not hasattr(alert, "description")}
    if not device_ids:
        return
    names = dict(
        DeviceProjection.objects.using("monitoring")
        .filter(id__in=device_ids)
        .values_list("id", "description")
    )
    for alert in alerts:
        if not hasattr(alert, "description"):
            alert.description = names.get(alert.device_id, "")


def alerts_push(
    *, alerts: list[Alert], withdrawn: list[Alert] = (), updated: list[Alert] = ()
) -> None:
    """Send raised (or reopened), withdrawn and otherwise changed alerts (a silence resolved, a
    warning settled) to the owner's group and the administrators' group (best effort).

    Alerts are stored before this runs; a browser that missed the push catches up over REST.
    One event-loop round trip for the whole batch: async_to_sync per message cost ~4 ms each.
    """
    try:
        alerts_describe([*alerts, *withdrawn, *updated])
    except Exception:  # a description is a nicety; the push goes on without it
        logger.exception("could not read the meters' descriptions for a push")
    alerts_announce(alerts)
    messages = []
    changes = (
        ("alert.created", alerts),
        ("alert.withdrawn", withdrawn),
        ("alert.updated", updated),
    )
    for kind, group_of in changes:
        for alert in group_of:
            message = {"type": kind, "alert": alert_payload(alert)}
            groups = [ADMINS_GROUP] + ([user_group(alert.owner_id)] if alert.owner_id else [])
            messages += [(group, message) for group in groups]
    push_messages(messages)


def alerts_announce(alerts: list[Alert]) -> None:
    """Tell the users app about raised alerts that have an owner (`monitoring.alerts_raised`,
    a message for up to ALERTS_PER_EVENT of them), which mails each owner as they chose. Runs
    after the commit; a broker failure is logged with the payload."""
    payloads = [alert_payload(alert) for alert in alerts if alert.owner_id]
    events = [
        {"alerts": payloads[start : start + ALERTS_PER_EVENT]}
        for start in range(0, len(payloads), ALERTS_PER_EVENT)
    ]
    for payload, error in events_send(
        name=ALERTS_RAISED, payloads=events, queue=NOTIFICATIONS_QUEUE
    ):
        logger.error("event %s not published (%r); payload=%r", ALERTS_RAISED, error, payload)


def push_messages(messages: list[tuple[str, dict]]) -> None:
    """Send (group, message) pairs on the channel layer, best effort, in one round trip.

    The messages of one group go as one `events.batch` message (in their order): a batch of
    readings that raised seven alerts of one owner's meters sends that owner's group and the
    administrators' one message each, not seven (a group_send is two Redis round trips, and a
    slow socket's queue holds CHANNEL_LAYER_CAPACITY messages)."""
    if not messages:
        return
    by_group: dict[str, list[dict]] = {}
    for group, message in messages:
        by_group.setdefault(group, []).append(message)
    sends = [
        (group, chunk[0] if len(chunk) == 1 else {"type": EVENTS_BATCH, "events": chunk})
        for group, events in by_group.items()
        for chunk in (
            events[start : start + EVENTS_PER_BATCH]
            for start in range(0, len(events), EVENTS_PER_BATCH)
        )
    ]
    future = asyncio.run_coroutine_threadsafe(_group_send_all(sends), _push_loop())
    try:
        future.result(timeout=10)
    except Exception:  # best effort, see above
        logger.exception("could not push %s messages", len(messages))


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
            logger.exception("could not push %s to %s", message["type"], group)

    # Concurrently: a batch of a fleet can raise dozens of alerts, each a few Redis round trips.
    await asyncio.gather(*(send(group, message) for group, message in messages))


def alert_acknowledge(*, alert: Alert, comment: str = "") -> Alert:
    """Mark an open alert acknowledged, with an optional comment; acknowledging again keeps the
    first time and comment (idempotent), and an alert that is no longer open (withdrawn,
    resolved, settled) stays as it is (there is nothing left to acknowledge)."""
    only_this = Alert.objects.using("monitoring").filter(id=alert.id)
    alerts_acknowledge(alerts=only_this, comment=comment)
    return Alert.objects.using("monitoring").get(id=alert.id)


def alert_acknowledge_if_open(*, alert: Alert, comment: str = "") -> bool:
    """Acknowledge the alert if it is open; True only for the call that did (one UPDATE, so of
    two at once exactly one is told it acknowledged it)."""
    only_this = Alert.objects.using("monitoring").filter(id=alert.id)
    return alerts_acknowledge(alerts=only_this, comment=comment) == 1


def alerts_acknowledge(*, alerts: QuerySet[Alert], comment: str = "") -> int:
    """Acknowledge the open alerts among `alerts` (one UPDATE); how many were."""
    with transaction.atomic(using="monitoring"):
        return (
            alerts.filter(state=AlertState.OPEN)
            .order_by()
            .update(state=AlertState.ACKNOWLEDGED, acknowledged_at=timezone.now(), comment=comment)
        )


def readings_delete_old(*, now: dt.datetime | None = None) -> RetentionResult:
    """Drop the raw readings older than the retention, whole monthly partitions at a time, and
    make the coming months' partitions; hourly totals and alerts are kept.

    A month is dropped once all of it is older than the retention, so raw readings are kept
    between MONITORING_RAW_RETENTION_DAYS and that plus a month.
    """
    now = now or timezone.now()
    reading_partitions_ensure(
        start=now,
        end=now + dt.timedelta(days=31 * settings.MONITORING_READING_PARTITIONS_AHEAD + 1),
    )
    cutoff = now - dt.timedelta(days=settings.MONITORING_RAW_RETENTION_DAYS)
    return reading_partitions_drop_expired(cutoff=cutoff)
