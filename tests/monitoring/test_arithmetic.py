"""Hourly consumption (docs/architecture.md): differences of an index, intervals over hours."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.monitoring.services import readings_ingest

from .conftest import hourly, make_device, reading, sensor_values

pytestmark = pytest.mark.django_db(databases=["monitoring"])

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)


def test_six_sensor_readings_from_ten_oclock_give_the_documented_total(day):
    device = make_device()
    ten = day + 10 * H
    values = sensor_values(6)
    readings_ingest(
        raw_readings=[reading(device, ten + 10 * i * M, v) for i, v in enumerate(values)]
    )
    assert hourly(device) == {ten: Decimal("10.23553823")}


def test_the_first_reading_of_an_index_meter_contributes_nothing(day):
    device = make_device()
    readings_ingest(raw_readings=[reading(device, day + 10 * H, 500)])
    assert hourly(device) == {}


def test_a_pair_spanning_the_hour_splits_its_energy_in_proportion_to_time(day):
    device = make_device()
    readings_ingest(
        raw_readings=[
            reading(device, day + 10 * H + 50 * M, 100),
            reading(device, day + 11 * H + 10 * M, 104),
        ]
    )
    assert hourly(device) == {day + 10 * H: Decimal("2"), day + 11 * H: Decimal("2")}


def test_a_long_gap_is_spread_over_every_hour_it_covers(day):
    device = make_device()
    readings_ingest(
        raw_readings=[
            reading(device, day + 10 * H + 30 * M, 0),
            reading(device, day + 13 * H + 30 * M, 6),
        ]
    )
    assert hourly(device) == {
        day + 10 * H: Decimal("1"),
        day + 11 * H: Decimal("2"),
        day + 12 * H: Decimal("2"),
        day + 13 * H: Decimal("1"),
    }


def test_a_negative_difference_is_a_reset_and_the_new_value_counts_from_zero(day):
    device = make_device()
    readings_ingest(
        raw_readings=[
            reading(device, day + 10 * H, 900),
            reading(device, day + 10 * H + 20 * M, 905),
            reading(device, day + 10 * H + 40 * M, 3),
        ]
    )
    assert hourly(device) == {day + 10 * H: Decimal("8")}


def test_an_interval_meter_counts_each_value_over_the_gap_to_its_previous_reading(day):
    device = make_device(meter_kind="interval")
    readings_ingest(
        raw_readings=[
            reading(device, day + 10 * H + 10 * M, 1.5),
            reading(device, day + 10 * H + 20 * M, 2),
            reading(device, day + 11 * H + 10 * M, 5),
        ]
    )
    # The first reading covers its nominal 10 minutes; the last one 10:20..11:10, 40/10 split.
    assert hourly(device) == {day + 10 * H: Decimal("7.5"), day + 11 * H: Decimal("1")}


def test_the_first_reading_of_an_interval_meter_covers_the_nominal_interval(day):
    device = make_device(meter_kind="interval")
    readings_ingest(raw_readings=[reading(device, day + 11 * H + 5 * M, 3)])
    # 10:55 .. 11:05 (nominal 10 minutes): half in each hour.
    assert hourly(device) == {day + 10 * H: Decimal("1.5"), day + 11 * H: Decimal("1.5")}


def test_an_earlier_reading_of_an_interval_meter_replaces_the_nominal_interval(day):
    device = make_device(meter_kind="interval")
    readings_ingest(raw_readings=[reading(device, day + 11 * H + 5 * M, 3)])
    readings_ingest(raw_readings=[reading(device, day + 9 * H + 5 * M, 0)])
    # Now 11:05's value covers 09:05 .. 11:05; the first is 08:55 .. 09:05 with no energy.
    assert hourly(device) == {
        day + 8 * H: Decimal("0"),
        day + 9 * H: Decimal("1.375"),
        day + 10 * H: Decimal("1.5"),
        day + 11 * H: Decimal("0.125"),
    }


def test_a_late_reading_corrects_the_hours_before_and_after_it(day):
    device = make_device()
    readings_ingest(
        raw_readings=[reading(device, day + 10 * H, 0), reading(device, day + 12 * H, 10)]
    )
    assert hourly(device) == {day + 10 * H: Decimal("5"), day + 11 * H: Decimal("5")}
    readings_ingest(raw_readings=[reading(device, day + 11 * H, 9)])
    assert hourly(device) == {day + 10 * H: Decimal("9"), day + 11 * H: Decimal("1")}


def test_a_duplicate_reading_is_stored_once_and_counted_once(day):
    device = make_device()
    batch = [reading(device, day + 10 * H, 0), reading(device, day + 10 * H + 30 * M, 2)]
    first = readings_ingest(raw_readings=batch + batch)
    second = readings_ingest(raw_readings=batch)
    assert (first.stored, first.duplicates) == (2, 2)
    assert (second.stored, second.duplicates) == (0, 2)
    assert hourly(device) == {day + 10 * H: Decimal("2")}


def test_epoch_milliseconds_and_iso_timestamps_are_the_same_instant(day):
    device = make_device()
    ten = day + 10 * H
    result = readings_ingest(
        raw_readings=[
            {
                "device_id": str(device),
                "timestamp": int(ten.timestamp() * 1000),
                "measurement_value": 1,
            },
            reading(device, ten.astimezone(dt.timezone(dt.timedelta(hours=2))), 1),
        ]
    )
    assert (result.stored, result.duplicates) == (1, 1)


def test_values_sent_as_numeric_strings_count_like_numbers(day):
    device = make_device()
    result = readings_ingest(
        raw_readings=[
            reading(device, day + 10 * H, "1_000"),
            reading(device, day + 10 * H + 30 * M, " 1004.5 "),
        ]
    )
    assert result.stored == 2
    assert hourly(device) == {day + 10 * H: Decimal("4.5")}
