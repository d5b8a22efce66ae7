"""Fixtures of the monitoring tests: devices in monitoring's projection, readings builders."""

import asyncio
import datetime as dt
import gc
import hashlib
import itertools
import uuid
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count

from apps.monitoring.models import HourlyConsumption, QuarantinedReading
from apps.monitoring.projection import device_projection_apply
from ems.groups import EVENTS_BATCH
from tests.paths import SENSOR_CSV

_versions = itertools.count(1)


def make_device(
    *,
    owner_id: int | None = 1,
    max_hourly_kwh: str = "1000",
    meter_kind: str = "index",
    token: str | None = None,
    deleted: bool = False,
    device_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A device as the devices app's event would project it."""
    device_id = device_id or uuid.uuid4()
    device_projection_apply(
        event={
            "device_id": str(device_id),
            "version": next(_versions),
            "owner_id": owner_id,
            "max_hourly_kwh": max_hourly_kwh,
            "meter_kind": meter_kind,
            "ingestion_token_hash": hashlib.sha256(token.encode()).hexdigest() if token else None,
            "description": "test meter",
            "deleted": deleted,
        }
    )
    return device_id


def reading(device_id, at: dt.datetime, value) -> dict:
    return {"device_id": str(device_id), "timestamp": at.isoformat(), "measurement_value": value}


def hourly(device_id) -> dict[dt.datetime, Decimal]:
    rows = HourlyConsumption.objects.using("monitoring").filter(device_id=device_id)
    return {row.hour_start: row.kwh for row in rows.order_by("hour_start")}


def quarantine_counts() -> dict[str, int]:
    """How many quarantined readings there are, per reason."""
    rows = QuarantinedReading.objects.using("monitoring").values("reason").annotate(n=Count("id"))
    return {row["reason"]: row["n"] for row in rows}


def recent_day() -> dt.datetime:
    """Midnight UTC a few days ago: inside the accepted age, not in the future."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=3)


@pytest.fixture
def day() -> dt.datetime:
    return recent_day()


def sensor_values(count: int) -> list[float]:
    with SENSOR_CSV.open() as lines:
        return [float(line) for line, _ in zip(lines, range(count), strict=False)]


@pytest.fixture(scope="session", autouse=True)
def _release_worker_thread_connections(django_db_setup):
    """Collect the worker threads' (tests/workers.py) persistent database connections before
    pytest-django drops the test databases, which it cannot while they are open."""
    yield
    gc.collect()


def group_listener(group: str) -> str:
    """A channel of the real channel layer that receives what is sent to `group`."""
    channel_layer = get_channel_layer()
    channel = async_to_sync(channel_layer.new_channel)()
    async_to_sync(channel_layer.group_add)(group, channel)
    return channel


# Events of an `events.batch` message not yet returned by `received`, by channel.
_pending_events: dict[str, list[dict]] = {}


def received(channel: str, timeout: float) -> dict:
    """The next event on `channel`, those of an `events.batch` message one by one (as the
    notifications consumer forwards them); asyncio.TimeoutError if none comes within `timeout` s."""

    async def receive():
        return await asyncio.wait_for(get_channel_layer().receive(channel), timeout)

    pending = _pending_events.setdefault(channel, [])
    if not pending:
        message = async_to_sync(receive)()
        pending += message["events"] if message["type"] == EVENTS_BATCH else [message]
    return pending.pop(0)


@pytest.fixture
def latest_schema_after():
    """For the migration tests: leave the monitoring database at its latest migrations (the
    leaf nodes), as the transactional tests after them expect it. Migrating back to an older
    migration unapplies every later one, of any branch, and migrating forward to the one under
    test leaves the others unapplied."""
    yield
    executor = MigrationExecutor(connections["monitoring"])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("monitoring"))


async def all_received(layer, channel, seconds=1.0) -> list[dict]:
    """Every message the channel gets until none comes for `seconds` (one event loop)."""
    messages = []
    while True:
        try:
            async with asyncio.timeout(seconds):
                messages.append(await layer.receive(channel))
        except TimeoutError:
            return messages
