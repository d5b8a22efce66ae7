"""Migration 0007 moves every raw reading into the table partitioned by month."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

pytestmark = [
    pytest.mark.django_db(databases=["monitoring"], transaction=True),
    pytest.mark.usefixtures("latest_schema_after"),
]

BEFORE = [("monitoring", "0006_ownership_periods")]
AFTER = [("monitoring", "0007_partitioned_readings")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connections["monitoring"])
    executor.loader.build_graph()
    executor.migrate(targets)


def _rows() -> list[tuple]:
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT device_id, timestamp, value, tableoid::regclass::text FROM monitoring_reading"
            " ORDER BY device_id, timestamp"
        )
        return cursor.fetchall()


def test_it_keeps_every_reading_each_in_its_months_partition_and_can_be_reversed():
    first, second = sorted([uuid.uuid4(), uuid.uuid4()])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamps = [now - dt.timedelta(days=days, minutes=10) for days in (400, 95, 31, 0)]
    rows = [
        (device, stamp, Decimal(n) + Decimal("0.12345678"))
        for device in (first, second)
        for n, stamp in enumerate(stamps)
    ]
    _migrate(BEFORE)
    try:
        with connections["monitoring"].cursor() as cursor:
            cursor.executemany(
                "INSERT INTO monitoring_reading (device_id, timestamp, value) VALUES (%s, %s, %s)",
                rows,
            )
    finally:
        _migrate(AFTER)
    stored = _rows()
    assert [row[:3] for row in stored] == rows
    assert [row[3] for row in stored[:4]] == [
        f"monitoring_reading_p{stamp.year:04d}{stamp.month:02d}" for stamp in stamps
    ]
    with connections["monitoring"].cursor() as cursor:
        # The key is (device, timestamp): a duplicate is refused.
        cursor.execute(
            "INSERT INTO monitoring_reading (device_id, timestamp, value) VALUES (%s, %s, 1)"
            " ON CONFLICT (device_id, timestamp) DO NOTHING",
            [first, stamps[0]],
        )
        assert cursor.rowcount == 0

    _migrate(BEFORE)
    try:
        assert [row[:3] for row in _rows()] == rows
    finally:
        _migrate(AFTER)
