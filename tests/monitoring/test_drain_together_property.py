"""Batches a worker takes together (MONITORING_DRAIN_BATCHES) end as if taken one by one: the
same hourly totals, the same standing alerts, the same readings quarantined under the same batch
and position, whatever the batches hold (several meters, duplicates, out of order, bad readings).
"""

import datetime as dt

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.monitoring.models import InboxBatch, QuarantinedReading
from apps.monitoring.services import inbox_drain, readings_enqueue

from .conftest import hourly, make_device, reading, recent_day
from .test_order_property import _standing_alert_hours

pytestmark = pytest.mark.django_db(databases=["monitoring"])

START = recent_day() + dt.timedelta(hours=8)
METERS = 6

# (meter, minute offset, index), or with an offset of None a reading that fails validation.
readings = st.tuples(
    st.integers(min_value=0, max_value=METERS - 1),
    st.one_of(st.integers(min_value=0, max_value=5 * 60), st.none()),
    st.integers(min_value=0, max_value=400),
)
# Batches of few meters each, so that some share none and are taken together.
batches = st.lists(st.lists(readings, min_size=1, max_size=6), min_size=2, max_size=10)


def _drain(chosen, together: int) -> tuple:
    """Deliver the batches to new meters' inbox rows, drain, and say what came of it."""
    # A lower index than the one before is a reset to the arithmetic: any value will do.
    meters = [make_device(max_hourly_kwh="40") for _ in range(METERS)]
    for batch in chosen:
        readings_enqueue(
            readings=[
                {"device_id": str(meters[meter]), "timestamp": "not a time", "measurement_value": 1}
                if minutes is None
                else reading(meters[meter], START + dt.timedelta(minutes=minutes), value)
                for meter, minutes, value in batch
            ]
        )
    rows = list(InboxBatch.objects.using("monitoring").order_by("id").values_list("id", flat=True))
    with override_settings(MONITORING_DRAIN_BATCHES=together):
        result = inbox_drain()
    assert result.batches == len(chosen)
    assert not InboxBatch.objects.using("monitoring").filter(id__in=rows).exists()
    number = {f"inbox-{row}": index for index, row in enumerate(rows)}
    parked = QuarantinedReading.objects.using("monitoring").filter(batch_id__in=number)
    return (
        [hourly(meter) for meter in meters],
        [_standing_alert_hours(meter) for meter in meters],
        sorted((number[row.batch_id], row.position, row.reason) for row in parked),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chosen=batches)
def test_batches_drained_together_end_as_if_drained_one_by_one(chosen):
    assert _drain(chosen, 5) == _drain(chosen, 1)
