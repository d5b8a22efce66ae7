"""A batch is stored by COPY when it only adds readings, by INSERT ... ON CONFLICT otherwise;
whichever way, the same readings and hours are stored once."""

import datetime as dt

import pytest

from apps.monitoring import services
from apps.monitoring.models import Reading
from apps.monitoring.services import readings_ingest

from .conftest import hourly, make_device, reading

pytestmark = pytest.mark.django_db(databases=["monitoring"])

M = dt.timedelta(minutes=10)


def _batch(device, day, steps):
    return [reading(device, day + step * M, step / 10) for step in steps]


@pytest.mark.parametrize("seen_by_the_check", [True, False])
def test_a_resent_batch_stores_nothing_new(monkeypatch, day, seen_by_the_check):
    """Also when the check misses the stored readings: the COPY fails on the key and the
    savepoint hands the batch to INSERT ... ON CONFLICT."""
    device, reference = make_device(), make_device()
    first = readings_ingest(raw_readings=_batch(device, day, range(12)))
    readings_ingest(raw_readings=_batch(reference, day, range(18)))
    copies = []
    copy = services._copy_readings
    monkeypatch.setattr(services, "_copy_readings", lambda *args: copies.append(1) or copy(*args))
    if not seen_by_the_check:
        monkeypatch.setattr(services, "_stored_within", lambda cursor, spans: False)
    again = readings_ingest(raw_readings=_batch(device, day, range(6, 18)))
    # Seen by the check, the batch goes straight to INSERT ... ON CONFLICT; missed, its COPY
    # is tried and undone.
    assert copies == ([] if seen_by_the_check else [1])
    assert (first.stored, again.stored, again.duplicates) == (12, 6, 6)
    assert Reading.objects.using("monitoring").filter(device_id=device).count() == 18
    assert hourly(device) == hourly(reference)


def test_a_batch_repeating_a_timestamp_is_stored_once(day):
    device, reference = make_device(), make_device()
    batch = _batch(device, day, [0, 1, 2, 2, 3])
    result = readings_ingest(raw_readings=batch)
    readings_ingest(raw_readings=_batch(reference, day, [0, 1, 2, 3]))
    assert (result.stored, result.duplicates) == (4, 1)
    assert hourly(device) == hourly(reference)
