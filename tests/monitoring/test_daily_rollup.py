"""The daily rollup is the sum of the hourly table whoever writes it, and reports over days and
months read through it give exactly what the hours give (models.DailyConsumption)."""

import datetime as dt
import itertools
import random
import threading
import time
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.monitoring.models import DailyConsumption, HourlyConsumption
from apps.monitoring.selectors import consumption_buckets
from apps.monitoring.services import readings_ingest

from .conftest import make_device, reading, recent_day

HOUR = dt.timedelta(hours=1)

# Daily rows that differ from the sum of their day's hours, either side missing.
_MISMATCHES = """
    WITH expected AS (
        SELECT device_id, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start,
               sum(kwh) AS kwh, count(*) AS hours, count(*) FILTER (WHERE estimated) AS estimated
        FROM monitoring_hourly_consumption GROUP BY 1, 2
    )
    SELECT e.device_id, e.day_start, e.kwh, e.hours, e.estimated, d.day_start, d.kwh, d.hours,
           d.estimated_hours
    FROM expected e
    FULL JOIN monitoring_daily_consumption d USING (device_id, day_start)
    WHERE (e.kwh, e.hours, e.estimated) IS DISTINCT FROM (d.kwh, d.hours, d.estimated_hours)
"""


def mismatches() -> list[tuple]:
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(_MISMATCHES)
        return cursor.fetchall()


def hour_row(device, at, kwh, estimated=False) -> HourlyConsumption:
    return HourlyConsumption(device_id=device, hour_start=at, kwh=kwh, estimated=estimated)


@pytest.mark.django_db(databases=["monitoring"])
def test_every_kind_of_write_to_the_hours_keeps_the_days_equal_to_their_sum():
    hours = HourlyConsumption.objects.using("monitoring")
    device, other = uuid.uuid4(), uuid.uuid4()
    midnight = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    hours.bulk_create(
        [hour_row(device, midnight + n * HOUR, Decimal("0.12345678")) for n in range(30)]
        + [hour_row(other, midnight + 5 * HOUR, Decimal("2"), estimated=True)]
    )
    assert mismatches() == []
    day = DailyConsumption.objects.using("monitoring").get(device_id=device, day_start=midnight)
    assert (day.kwh, day.hours, day.estimated_hours) == (Decimal("2.96296272"), 24, 0)

    hours.filter(device_id=device, hour_start__lt=midnight + 3 * HOUR).update(
        kwh=Decimal("1.5"), estimated=True
    )
    hours.filter(device_id=device, hour_start=midnight + 25 * HOUR).delete()
    # An hour moved to another day leaves one and joins the other.
    hours.filter(device_id=device, hour_start=midnight + 4 * HOUR).update(
        hour_start=midnight + 50 * HOUR
    )
    assert mismatches() == []

    hours.filter(device_id=device, hour_start__gte=midnight + 24 * HOUR).delete()
    assert mismatches() == []
    # A day whose hours are all gone has no row left.
    assert not DailyConsumption.objects.using("monitoring").filter(
        device_id=device, day_start__gt=midnight
    )

    hours.all().delete()
    assert not DailyConsumption.objects.using("monitoring").exists()


@pytest.mark.django_db(databases=["monitoring"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["index", "interval"]),
    minutes=st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=30, unique=True),
    seed=st.integers(0, 2**32 - 1),
)
def test_ingestion_in_any_order_and_batches_keeps_the_days_equal_to_their_hours(
    kind, minutes, seed
):
    """The recompute deletes, inserts and updates hours in one statement; the days follow."""
    rng = random.Random(seed)
    device = make_device(meter_kind=kind)
    start = recent_day() - dt.timedelta(days=2) + dt.timedelta(hours=21)
    series, index = [], 0.0
    for minute in sorted(minutes):
        index = round(index + rng.uniform(0, 3), 3) if kind == "index" else rng.uniform(0, 3)
        series.append(reading(device, start + dt.timedelta(minutes=minute), round(index, 3)))
    rng.shuffle(series)
    while series:
        size = rng.randint(1, 8)
        batch, series = series[:size], series[size:]
        readings_ingest(raw_readings=batch)
        assert mismatches() == []


@pytest.mark.django_db(databases=["monitoring"], transaction=True)
def test_two_transactions_adding_hours_to_one_day_at_once_both_count():
    device = uuid.uuid4()
    midnight = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    first_inserted = threading.Event()
    errors = []

    def write(hour: int, hold: float) -> None:
        try:
            with transaction.atomic(using="monitoring"):
                HourlyConsumption.objects.using("monitoring").create(
                    device_id=device, hour_start=midnight + hour * HOUR, kwh=Decimal(hour)
                )
                first_inserted.set()
                time.sleep(hold)  # the other writer's day row waits for this commit
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=write, args=(3, 0.5))
    holder.start()
    assert first_inserted.wait(10)
    second = threading.Thread(target=write, args=(7, 0))
    second.start()
    holder.join(20)
    second.join(20)
    assert errors == []
    day = DailyConsumption.objects.using("monitoring").get(device_id=device)
    assert (day.kwh, day.hours) == (Decimal(10), 2)
    assert mismatches() == []


ZONES = ["Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "UTC"]


def _reference(rows, starts, end, start, visible):
    """Each bucket as the hourly rows alone give it: (kWh or None, estimated, hours)."""
    expected = []
    for index, low in enumerate(starts):
        high = starts[index + 1] if index + 1 < len(starts) else end
        counted = [
            (kwh, estimated)
            for hour_start, (kwh, estimated) in rows.items()
            if low <= hour_start < high
            and start <= hour_start < end
            and any(
                v_low <= hour_start and hour_start + HOUR <= v_high for v_low, v_high in visible
            )
        ]
        total = sum((kwh for kwh, _ in counted), Decimal(0)) if counted else None
        expected.append((total, any(estimated for _, estimated in counted), len(counted)))
    return expected


@pytest.mark.django_db(databases=["monitoring"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    bucket=st.sampled_from(["day", "month"]),
    first_day=st.integers(0, 70),
    length=st.integers(1, 4),
    cuts=st.lists(st.integers(0, 130 * 24 * 60), min_size=0, max_size=4, unique=True),
    seed=st.integers(0, 2**32 - 1),
)
def test_days_and_months_read_through_the_rollup_equal_the_sum_of_their_hours(
    zone, bucket, first_day, length, cuts, seed
):
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    origin = dt.datetime(2025, 12, 20, tzinfo=dt.UTC)
    device = uuid.uuid4()
    rows = {}
    for n in range(130 * 24):
        if rng.random() < 0.9:  # some hours missing
            kwh = Decimal(rng.randint(0, 10**9)) / 10**8
            rows[origin + n * HOUR] = (kwh, rng.random() < 0.05)
    HourlyConsumption.objects.using("monitoring").bulk_create(
        hour_row(device, at, kwh, estimated) for at, (kwh, estimated) in rows.items()
    )
    local_first = (origin + dt.timedelta(days=first_day + 2)).astimezone(tz).date()
    if bucket == "month":
        first = local_first.replace(day=1)
        last = dt.date(
            first.year + (first.month + length - 1) // 12, (first.month + length - 1) % 12 + 1, 1
        )
    else:
        first, last = local_first, local_first + dt.timedelta(days=7 * length)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(last, dt.time(), tzinfo=tz)
    # Visible stretches at any minute (an ownership period starts when it was assigned).
    marks = sorted(origin + dt.timedelta(minutes=cut) for cut in cuts)
    bounds = [
        start.astimezone(dt.UTC),
        *[m for m in marks if start < m < end],
        end.astimezone(dt.UTC),
    ]
    visible = [
        (low, high)
        for index, (low, high) in enumerate(itertools.pairwise(bounds))
        if index % 2 == 0
    ]

    got = consumption_buckets(
        device_id=device, start=start, end=end, bucket=bucket, timezone=tz, visible=visible
    )

    # The local calendar's own boundaries (no zone here moves its clocks at midnight).
    if bucket == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month - 1)
        days = [dt.date(index // 12, index % 12 + 1, 1) for index in months]
    else:
        days = [first + dt.timedelta(days=n) for n in range((last - first).days)]
    starts = [dt.datetime.combine(day, dt.time(), tzinfo=tz) for day in days]
    assert [bucket_start for bucket_start, *_ in got] == starts
    assert [tuple(row[1:]) for row in got] == _reference(rows, starts, end, start, visible)
