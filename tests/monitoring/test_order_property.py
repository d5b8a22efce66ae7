"""Hourly totals are a pure function of the set of readings, whatever the order and batches;
so are the alerts that stand at the end.

Out of order, a late reading can move energy between hours after an alert was raised: the alert
is then withdrawn, and an hour that goes over again reopens it (docs/monitoring.md, "Alerts").
"""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.monitoring.models import Alert, AlertState
from apps.monitoring.services import readings_ingest

from .conftest import hourly, make_device, reading, recent_day

pytestmark = pytest.mark.django_db(databases=["monitoring"])

START = recent_day() + dt.timedelta(hours=8)

# (minute offset, index increment or interval energy, reset?) per reading.
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6 * 60),
        st.decimals(min_value=0, max_value=20, places=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda step: step[0],
)


def _series(kind, chosen):
    """Readings as (minutes, value); an index grows by the increments and sometimes resets."""
    series, index = [], 0
    for minutes, amount, reset in sorted(chosen):
        if kind == "interval":
            series.append((minutes, float(amount)))
        else:
            index = float(amount) if reset else index + float(amount)
            series.append((minutes, round(index, 3)))
    return series


def _deliver(kind, series, batches):
    device = make_device(meter_kind=kind, max_hourly_kwh="15")
    for batch in batches:
        readings_ingest(
            raw_readings=[reading(device, START + dt.timedelta(minutes=m), v) for m, v in batch]
        )
    return hourly(device), _standing_alert_hours(device)


def _standing_alert_hours(device) -> set[dt.datetime]:
    alerts = Alert.objects.using("monitoring").filter(device_id=device)
    return {alert.hour_start for alert in alerts.exclude(state=AlertState.WITHDRAWN)}


def _split(items, cuts):
    cuts = sorted({cut % (len(items) + 1) for cut in cuts})
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in itertools.pairwise(bounds) if items[a:b]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["index", "interval"]),
    chosen=steps,
    data=st.data(),
)
def test_any_order_duplication_and_batching_gives_the_same_totals(kind, chosen, data):
    series = _series(kind, chosen)
    in_order_totals, in_order_alerts = _deliver(kind, series, [series])

    repeated = series + data.draw(st.lists(st.sampled_from(series), max_size=10))
    shuffled = data.draw(st.permutations(repeated))
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=100), max_size=6))
    totals, alerts = _deliver(kind, series, _split(shuffled, cuts))

    assert totals == in_order_totals
    assert alerts == in_order_alerts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["index", "interval"]),
    chosen=steps,
    data=st.data(),
)
def test_in_order_delivery_in_any_batches_with_duplicates_gives_the_same_alerts(kind, chosen, data):
    series = _series(kind, chosen)
    in_order_totals, in_order_alerts = _deliver(kind, series, [series])

    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=100), max_size=6))
    batches = _split(series, cuts)
    # Each batch may be delivered twice (a redelivery), before or after the next one.
    redelivered = []
    for number, batch in enumerate(batches):
        redelivered.append(batch)
        if data.draw(st.booleans(), label=f"redeliver {number}"):
            redelivered.append(batch)
    totals, alerts = _deliver(kind, series, redelivered)

    assert totals == in_order_totals
    assert alerts == in_order_alerts


def _spike_day(device) -> list[dict]:
    """A day of index readings every 10 minutes: a base load, spikes (21 kWh in an hour, the
    limit is 12) and hours just under the limit (11.4 kWh) beside them, where energy a gap
    moves over from the spike tips the hour over until the gap closes."""
    readings, index = [], 0.0
    for step in range(24 * 6 + 1):
        at = START - dt.timedelta(hours=8) + dt.timedelta(minutes=10 * step)
        readings.append(reading(device, at, round(index, 3)))
        hour = at.hour
        index += 3.5 if hour in (7, 12, 19) else 1.9 if hour in (6, 8, 11, 13, 18, 20) else 0.4
    return readings


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_after_any_interleaving_with_gaps_the_open_alerts_are_the_hours_over_the_limit(data):
    device = make_device(max_hourly_kwh="12")
    day = _spike_day(device)
    # Batches of a few readings, delivered in any order; some held back (a gap that closes
    # late, as after an outage or a retry) and some delivered twice.
    batches = _split(day, data.draw(st.lists(st.integers(0, 200), min_size=5, max_size=40)))
    order = data.draw(st.permutations(batches))
    held_back = data.draw(st.lists(st.sampled_from(order), max_size=4))
    deliveries = [batch for batch in order if batch not in held_back] + held_back
    deliveries += data.draw(st.lists(st.sampled_from(order), max_size=3))
    for batch in deliveries:
        readings_ingest(raw_readings=batch)

    over = {hour for hour, kwh in hourly(device).items() if kwh > 12}
    assert over, "the spike day goes over the limit"
    assert _standing_alert_hours(device) == over
