"""Hourly totals are a pure function of the set of readings, whatever the order and batches.

Alerts: delivered in time order, any duplication and batching raises exactly the alerts of one
in-order delivery. Out of order, a late reading can move energy between hours after an alert
was pushed (an alert is never withdrawn), so there the alerts include the in-order ones
(docs/monitoring.md, "Alerts").
"""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.monitoring.models import Alert
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
    alerts = Alert.objects.using("monitoring").filter(device_id=device)
    return hourly(device), {alert.hour_start for alert in alerts}


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
    assert alerts >= in_order_alerts


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
