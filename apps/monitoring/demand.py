"""Live demand: a meter's current power in kW, from its two latest readings.

Power is the energy of the latest interval over its length: for an index meter the difference
of the two latest values (a reset counts from zero, as in the hourly arithmetic), for an interval
meter the latest value. Sent over the owner's socket after each batch of live readings, at most
once every MONITORING_DEMAND_PUSH_SECONDS per meter (a meter that reports every second would
otherwise flood every open page), and readable over REST for a page that has just opened.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connections
from django.utils import timezone

from ems.groups import ADMINS_DEMAND_GROUP, demand_group

from .wakeups import broker_redis

logger = logging.getLogger(__name__)

_LATEST_TWO = """
    SELECT d.id, d.meter_kind, d.owner_id, latest.timestamp, latest.value,
           previous.timestamp, previous.value
    FROM monitoring_device_projection d
    CROSS JOIN LATERAL (
        SELECT timestamp, value FROM monitoring_reading
         WHERE device_id = d.id ORDER BY timestamp DESC LIMIT 1) AS latest
    LEFT JOIN LATERAL (
        SELECT timestamp, value FROM monitoring_reading
         WHERE device_id = d.id AND timestamp < latest.timestamp
         ORDER BY timestamp DESC LIMIT 1) AS previous ON true
    WHERE d.id = ANY(%s::uuid[]) AND NOT d.deleted
"""


@dataclass(frozen=True)
class Demand:
    device_id: uuid.UUID
    owner_id: int | None
    # None when there is no interval yet (a single reading) or the meter has gone quiet.
    kw: float | None
    # The latest reading's time, and the length of the interval the power is taken over.
    at: dt.datetime
    interval_seconds: float | None
    stale: bool

    def payload(self) -> dict:
        return {
            "device": str(self.device_id),
            "kw": self.kw,
            "at": self.at.isoformat(),
            "interval_seconds": self.interval_seconds,
            "stale": self.stale,
        }


def demands(*, device_ids: list[uuid.UUID], now: dt.datetime | None = None) -> list[Demand]:
    """The current demand of each of the meters that has readings (one query)."""
    if not device_ids:
        return []
    now = now or timezone.now()
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(_LATEST_TWO, [list(device_ids)])
        rows = cursor.fetchall()
    return [_demand(row, now) for row in rows]


def _demand(row, now: dt.datetime) -> Demand:
    device_id, kind, owner_id, at, value, previous_at, previous_value = row
    seconds = (at - previous_at).total_seconds() if previous_at else None
    # Quiet for longer than three of its own intervals (or three nominal ones): not "now".
    patience = 3 * max(seconds or 0, settings.MONITORING_NOMINAL_INTERVAL_SECONDS)
    stale = (now - at).total_seconds() > patience
    kw = None
    if seconds and not stale:
        if kind == "interval":
            energy = value
        else:
            energy = value - previous_value if value >= previous_value else value
        kw = round(float(energy) * 3600 / seconds, 3)
    return Demand(device_id, owner_id, kw, at, seconds, stale)


def _throttled(device_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The meters whose demand may be pushed now (one per MONITORING_DEMAND_PUSH_SECONDS)."""
    seconds = settings.MONITORING_DEMAND_PUSH_SECONDS
    try:
        # The process's client of the broker's Redis: a new client per batch connected anew
        # each time (4 ms of a 1000-reading batch's 90 ms in the worker).
        with broker_redis().pipeline() as pipeline:
            for device_id in device_ids:
                pipeline.set(f"monitoring:demand:{device_id}", 1, nx=True, ex=seconds)
            return [
                device
                for device, fresh in zip(device_ids, pipeline.execute(), strict=True)
                if fresh
            ]
    except redis.RedisError as error:
        logger.warning("demand not pushed (%r)", error)
        return []


def demand_push(*, device_ids: list[uuid.UUID]) -> None:
    """Send the meters' current demand to their owners' and the administrators' groups (best
    effort, throttled per meter); called after a batch of live readings commits."""
    from .services import push_messages  # the alerts' event loop and channel layer

    messages = []
    for demand in demands(device_ids=_throttled(sorted(set(device_ids)))):
        message = {"type": "demand.updated", "demand": demand.payload()}
        groups = [ADMINS_DEMAND_GROUP] + (
            [demand_group(demand.owner_id)] if demand.owner_id else []
        )
        messages += [(group, message) for group in groups]
    push_messages(messages)
