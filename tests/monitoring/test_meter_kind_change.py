"""Changing a meter's kind (index <-> interval) keeps its stored hours until readings touch them;
the hours a new reading recomputes are then those of the new kind alone (docs/monitoring.md)."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.monitoring.services import readings_ingest

from .conftest import hourly, make_device, reading

pytestmark = pytest.mark.django_db(databases=["monitoring"])

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)


def test_changing_the_kind_alone_keeps_the_stored_hours(day):
    device = make_device(meter_kind="interval")
    ten = day + 10 * H
    readings_ingest(raw_readings=[reading(device, ten, 2), reading(device, ten + 10 * M, 3)])
    before = hourly(device)
    # The first reading of an interval meter covers the nominal 10 minutes before it: hour 9.
    assert before == {ten - H: Decimal("2"), ten: Decimal("3")}

    make_device(device_id=device, meter_kind="index")

    assert hourly(device) == before


def test_hours_recomputed_after_the_change_drop_what_only_the_old_kind_counted(day):
    device = make_device(meter_kind="interval")
    ten = day + 10 * H
    readings_ingest(raw_readings=[reading(device, ten, 2), reading(device, ten + 10 * M, 3)])
    make_device(device_id=device, meter_kind="index")

    # A reading between the two: hours 9 and 10 are recomputed as an index meter's. Its first
    # reading counts nothing, so hour 9 has no energy left and its stored row must go (the
    # recompute's stale-hour deletion step), not linger with the interval meter's 2 kWh.
    readings_ingest(raw_readings=[reading(device, ten + 5 * M, 2.5)])

    assert hourly(device) == {ten: Decimal("1.00000000")}


def test_an_index_meter_turned_interval_counts_its_values_as_energy(day):
    device = make_device(meter_kind="index")
    ten = day + 10 * H
    readings_ingest(raw_readings=[reading(device, ten, 100), reading(device, ten + 10 * M, 101)])
    assert hourly(device) == {ten: Decimal("1.00000000")}
    make_device(device_id=device, meter_kind="interval")

    readings_ingest(raw_readings=[reading(device, ten + 20 * M, 0.5)])

    # Hour 10 recomputed as an interval meter's: 101 kWh over 10:00-10:10 and 0.5 after; the
    # 100 of 10:00 belongs to its nominal interval, 09:50-10:00, outside the recomputed hours.
    assert hourly(device)[ten] == Decimal("101.50000000")
