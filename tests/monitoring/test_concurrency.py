"""Two transactions ingesting batches of the same device at the same time still give exact totals.

The second batch's readings are the neighbours of the first's, and the first stays uncommitted
while the second arrives (the test holds its transaction open): without the per-device lock the
second would miss the first's uncommitted readings and store wrong totals (this test fails when
the lock is removed).
"""

import datetime as dt
import threading

import pytest
from django.db import connections, transaction

from apps.monitoring.services import readings_ingest

from .conftest import hourly, make_device, reading, sensor_values


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_waits_for_an_uncommitted_batch_of_the_same_device(day):
    values = sensor_values(24)
    times = [day + dt.timedelta(minutes=10 * k) for k in range(len(values))]
    serial, concurrent = make_device(), make_device()
    readings_ingest(
        raw_readings=[reading(serial, t, v) for t, v in zip(times, values, strict=True)]
    )
    evens, odds = (
        [reading(concurrent, times[i], values[i]) for i in range(k, len(values), 2)] for k in (0, 1)
    )
    second_done = threading.Event()

    def second_worker():
        try:
            readings_ingest(raw_readings=odds)
            second_done.set()
        finally:
            connections.close_all()

    with transaction.atomic(using="monitoring"):
        readings_ingest(raw_readings=evens)
        thread = threading.Thread(target=second_worker)
        thread.start()
        # The second batch must wait for this transaction, not work around it.
        assert not second_done.wait(timeout=1.0)
    thread.join(timeout=30)
    assert second_done.is_set()
    assert hourly(concurrent) == hourly(serial)
