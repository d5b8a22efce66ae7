"""Warned before the hour is over: the hour's total projected from its readings so far; one
`warning` per device-hour once enough of the hour is observed, settled when the hour is over."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.monitoring.alert_checks import alerts_check
from apps.monitoring.hour_warnings import projected_total
from apps.monitoring.models import Alert
from apps.monitoring.services import readings_ingest

from .conftest import make_device, reading, recent_day

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.MONITORING_NOMINAL_INTERVAL_SECONDS = 600
    settings.MONITORING_SILENCE_INTERVALS = 3
    settings.MONITORING_WARNING_MIN_OBSERVED_SECONDS = 900


def warnings_of(device) -> list[Alert]:
    return list(Alert.objects.using("monitoring").filter(device_id=device, kind="warning"))


@pytest.mark.parametrize(
    ("kwh", "seconds", "expected"),
    [
        ("4", 1200, "12"),
        ("0", 1800, "0"),
        ("9.5", 3600, "9.5"),
        ("1", 900, "4"),
        ("1", 0, None),
    ],
)
def test_the_projection_scales_the_energy_so_far_to_the_whole_hour(kwh, seconds, expected):
    projected = projected_total(kwh_so_far=Decimal(kwh), observed_seconds=seconds)
    assert projected == (None if expected is None else Decimal(expected))


# Each case: meter kind, readings (minutes after 10:00, value), the limit, and the warning's
# projected kWh (None: no warning). The check runs a few seconds after the last reading.
CASES = {
    "index, 20 minutes at 12 kWh/h": ("index", [(0, 100), (10, 102), (20, 104)], "10", "12"),
    "index, only 10 minutes seen: too early": ("index", [(0, 100), (10, 104)], "10", None),
    "index, projected under the limit": ("index", [(0, 100), (10, 101), (20, 102)], "10", None),
    "index, projected exactly at the limit": ("index", [(0, 0), (30, 5)], "10", None),
    # 100 -> 102, then a reset: the new value counts from zero (1), then +3.
    "index, a reset in the hour": ("index", [(0, 100), (10, 102), (20, 1), (30, 4)], "10", "12"),
    # A meter that began in the hour: its first reading only sets the starting point.
    "index, first reading inside the hour": ("index", [(10, 0), (20, 2), (30, 4)], "10", "12"),
    # An interval meter's first reading covers one nominal interval before it (10:10..10:20).
    "interval, first reading inside the hour": ("interval", [(20, 2), (30, 2)], "10", "12"),
    "interval, from the hour's start": ("interval", [(0, 1), (10, 2), (20, 2)], "10", "12"),
    "already over the limit: an alert, no warning": ("index", [(0, 0), (20, 11)], "10", None),
}


@pytest.mark.parametrize("case", CASES)
def test_it_warns_when_the_projected_hour_is_over_the_limit(case, day):
    meter_kind, points, limit, expected = CASES[case]
    device = make_device(max_hourly_kwh=limit, meter_kind=meter_kind)
    hour = day + 10 * H
    readings_ingest(raw_readings=[reading(device, hour + m * M, v) for m, v in points])
    alerts_check(now=hour + points[-1][0] * M + dt.timedelta(seconds=5))
    warned = [(w.hour_start, w.kwh, w.state) for w in warnings_of(device)]
    assert warned == ([] if expected is None else [(hour, Decimal(expected), "open")])


def test_an_hour_on_a_dst_day_is_projected_over_its_3600_seconds():
    # 2026-10-25 00:00 UTC is the repeated local hour in Europe/Bucharest (03:00 twice): the
    # hourly table is in UTC hours, so that hour is 60 minutes like any other.
    hour = dt.datetime(2026, 10, 25, 0, tzinfo=dt.UTC)
    if not recent_day() - dt.timedelta(days=55) < hour < recent_day():
        pytest.skip("the DST day is outside the accepted age of readings today")
    device = make_device(max_hourly_kwh="10")
    readings_ingest(raw_readings=[reading(device, hour + m * M, m / 5) for m in (0, 10, 20)])
    alerts_check(now=hour + 20 * M)
    assert [(w.kwh) for w in warnings_of(device)] == [Decimal("12")]


def test_it_raises_one_warning_per_device_hour(day):
    device = make_device(max_hourly_kwh="10")
    hour = day + 10 * H
    for minute, value in ((0, 0), (20, 4), (30, 6), (40, 9)):
        readings_ingest(raw_readings=[reading(device, hour + minute * M, value)])
        alerts_check(now=hour + minute * M)
    (warning,) = warnings_of(device)
    assert warning.kwh == Decimal("12"), "the first projection that crossed the limit"


def test_a_warning_is_realised_when_the_hour_goes_over(day):
    device = make_device(max_hourly_kwh="10")
    hour = day + 10 * H
    readings_ingest(raw_readings=[reading(device, hour + m * M, m / 5) for m in (0, 10, 20)])
    alerts_check(now=hour + 20 * M)
    readings_ingest(raw_readings=[reading(device, hour + 55 * M, 11)])
    result = alerts_check(now=hour + 55 * M)
    (warning,) = warnings_of(device)
    assert (warning.state, warning.resolved_at is not None) == ("realised", True)
    assert [alert.id for alert in result.updated] == [warning.id]


def test_a_warning_is_not_realised_when_the_complete_hour_stayed_under(day):
    device = make_device(max_hourly_kwh="10")
    hour = day + 10 * H
    readings_ingest(raw_readings=[reading(device, hour + m * M, m / 5) for m in (0, 10, 20)])
    alerts_check(now=hour + 20 * M)
    readings_ingest(raw_readings=[reading(device, hour + 50 * M, 6)])
    alerts_check(now=hour + 50 * M)
    assert [w.state for w in warnings_of(device)] == ["open"], "the hour is not over yet"
    readings_ingest(raw_readings=[reading(device, hour + 60 * M, 7)])
    alerts_check(now=hour + 61 * M)
    assert [w.state for w in warnings_of(device)] == ["not_realised"]


def test_a_warning_of_a_meter_that_went_silent_is_settled_after_the_grace(day):
    device = make_device(max_hourly_kwh="10")
    hour = day + 10 * H
    readings_ingest(raw_readings=[reading(device, hour + m * M, m / 5) for m in (0, 10, 20)])
    alerts_check(now=hour + 20 * M)
    alerts_check(now=hour + 89 * M)
    assert [w.state for w in warnings_of(device)] == ["open"]
    alerts_check(now=hour + 90 * M)
    assert [w.state for w in warnings_of(device)] == ["not_realised"]


def test_an_hour_that_is_over_is_not_warned_about(day):
    device = make_device(max_hourly_kwh="10")
    hour = day + 10 * H
    readings_ingest(raw_readings=[reading(device, hour + m * M, m / 5) for m in (0, 10, 20)])
    alerts_check(now=hour + 61 * M)
    assert warnings_of(device) == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    meter_kind=st.sampled_from(["index", "interval"]),
    minutes=st.lists(st.integers(1, 59), min_size=1, max_size=8, unique=True).map(sorted),
    power=st.integers(11, 40),
)
def test_at_constant_power_the_projection_is_the_power_whenever_the_readings_come(
    meter_kind, minutes, power
):
    # Readings at any minutes of the hour, after one at the hour's start: at a constant power
    # (kWh per hour) the projection is that power as soon as 15 minutes are seen (unless the
    # energy so far is over the limit already: then it is an alert).
    day = recent_day() - dt.timedelta(days=len(minutes) + power)
    device = make_device(max_hourly_kwh="10", meter_kind=meter_kind)
    hour = day + 10 * H
    points = [0, *minutes]
    if meter_kind == "index":
        values = [Decimal(power) * m / 60 for m in points]
    else:
        values = [Decimal(power) / 6] + [
            Decimal(power) * (b - a) / 60 for a, b in itertools.pairwise(points)
        ]
    readings_ingest(
        raw_readings=[
            reading(device, hour + m * M, float(round(v, 8)))
            for m, v in zip(points, values, strict=True)
        ]
    )
    alerts_check(now=hour + minutes[-1] * M)
    warned = warnings_of(device)
    if minutes[-1] < 15 or power * minutes[-1] / 60 > 10:
        assert warned == []
    else:
        (warning,) = warned
        assert abs(warning.kwh - power) < Decimal("0.001")
