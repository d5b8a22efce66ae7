"""Raw readings partitioned by UTC month: made ahead, never losing a reading, dropped whole."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connections

from apps.monitoring.models import HourlyConsumption, Reading
from apps.monitoring.partitions import (
    DEFAULT_PARTITION,
    reading_partitions,
    reading_partitions_ensure,
)
from apps.monitoring.services import readings_delete_old, readings_ingest

from .conftest import hourly, make_device, reading

pytestmark = pytest.mark.django_db(databases=["monitoring"])

H = dt.timedelta(hours=1)
# Far from the months the test database's migration prepared around its creation.
MAY_2035 = dt.datetime(2035, 5, 1, tzinfo=dt.UTC)


def _where(device) -> dict[dt.datetime, str]:
    """Each stored reading of the device and the table that holds it."""
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT timestamp, tableoid::regclass::text FROM monitoring_reading"
            " WHERE device_id = %s",
            [device],
        )
        return dict(cursor.fetchall())


def test_it_stores_a_reading_whose_month_has_no_partition_and_moves_it_into_the_new_one():
    device = make_device()
    day = MAY_2035 + dt.timedelta(days=9)
    assert MAY_2035 not in reading_partitions()
    result = readings_ingest(
        raw_readings=[reading(device, day, 10), reading(device, day + H, 11.5)], now=day + 2 * H
    )
    assert result.stored == 2
    assert set(_where(device).values()) == {DEFAULT_PARTITION}
    assert hourly(device) == {day: Decimal("1.5")}

    assert reading_partitions_ensure(start=MAY_2035, end=MAY_2035 + dt.timedelta(days=1)) == [
        "monitoring_reading_p203505"
    ]
    assert set(_where(device).values()) == {"monitoring_reading_p203505"}
    # Ingestion goes on into the partition, the duplicate still ignored.
    result = readings_ingest(
        raw_readings=[reading(device, day + H, 11.5), reading(device, day + 2 * H, 12)],
        now=day + 3 * H,
    )
    assert (result.stored, result.duplicates) == (1, 1)
    assert hourly(device) == {day: Decimal("1.5"), day + H: Decimal("0.5")}


def test_retention_drops_whole_expired_months_and_old_default_rows_and_keeps_hourly_totals(
    settings,
):
    settings.MONITORING_RAW_RETENTION_DAYS = 10
    settings.MONITORING_READING_PARTITIONS_AHEAD = 1
    device = make_device()
    reading_partitions_ensure(start=MAY_2035, end=MAY_2035.replace(month=8))
    now = dt.datetime(2035, 7, 20, tzinfo=dt.UTC)  # the cutoff: July 10th
    stamps = [
        dt.datetime(2035, 5, 3, tzinfo=dt.UTC),  # May: dropped with its partition
        dt.datetime(2035, 6, 30, 23, tzinfo=dt.UTC),  # June: dropped with its partition
        dt.datetime(2035, 7, 2, tzinfo=dt.UTC),  # older than the cutoff, but July is kept whole
        dt.datetime(2035, 7, 19, tzinfo=dt.UTC),  # recent
        dt.datetime(1999, 1, 1, tzinfo=dt.UTC),  # in the default partition, old: deleted
        dt.datetime(2036, 1, 1, tzinfo=dt.UTC),  # in the default partition, recent: kept
    ]
    Reading.objects.using("monitoring").bulk_create(
        Reading(device_id=device, timestamp=stamp, value=n) for n, stamp in enumerate(stamps)
    )
    HourlyConsumption.objects.using("monitoring").create(
        device_id=device, hour_start=stamps[0], kwh=1
    )

    result = readings_delete_old(now=now)

    # (With the months of today that the test database has: they are older than 2035 too.)
    dropped = set(result.partitions_dropped)
    assert {"monitoring_reading_p203505", "monitoring_reading_p203506"} <= dropped
    assert "monitoring_reading_p203507" not in dropped
    assert result.default_rows_deleted == 1
    assert sorted(_where(device)) == sorted(stamps[2:4] + stamps[5:])
    assert HourlyConsumption.objects.using("monitoring").count() == 1
    # The current month and the next are ready.
    months = reading_partitions()
    assert {dt.datetime(2035, 7, 1, tzinfo=dt.UTC), dt.datetime(2035, 8, 1, tzinfo=dt.UTC)} <= set(
        months
    )
    assert MAY_2035 not in months
