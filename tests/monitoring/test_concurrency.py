"""Two workers ingesting batches of the same device at the same time still give exact totals.

Each batch holds readings whose neighbours are in the other worker's batches, and pauses inside
its transaction between the insert and the recompute (the reliability test's pg_sleep), so both
transactions are open at once; without the per-device lock each would miss the other's
uncommitted neighbours (this test fails when the lock is removed).
"""

import datetime as dt
import threading

import pytest
from django.db import connections

from apps.monitoring.services import readings_ingest

from .conftest import hourly, make_device, reading, sensor_values


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_concurrent_batches_of_one_device_give_the_totals_of_serial_ingestion(day, settings):
    values = sensor_values(120)
    times = [day + dt.timedelta(minutes=10 * k) for k in range(len(values))]
    serial, concurrent = make_device(), make_device()
    readings_ingest(
        raw_readings=[reading(serial, t, v) for t, v in zip(times, values, strict=True)]
    )

    # Worker k takes every other reading of each 20-reading slice: maximal interleaving.
    batches = [
        [reading(concurrent, times[i], values[i]) for i in range(start + k, start + 20, 2)]
        for start in range(0, len(values), 20)
        for k in (0, 1)
    ]
    settings.MONITORING_TEST_INGEST_DELAY_SECONDS = 0.1
    barrier = threading.Barrier(2)
    errors = []

    def worker(mine):
        try:
            barrier.wait(timeout=10)
            for batch in mine:
                readings_ingest(raw_readings=batch)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(batches[k::2],)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert hourly(concurrent) == hourly(serial)
