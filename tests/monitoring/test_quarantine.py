"""Bad input never crashes the batch nor vanishes: it is quarantined with a reason."""

import datetime as dt
import uuid

import pytest

from apps.monitoring.models import QuarantinedReading, Reading
from apps.monitoring.services import readings_ingest

from .conftest import make_device, quarantine_counts, reading

pytestmark = pytest.mark.django_db(databases=["monitoring"])


def test_each_kind_of_bad_reading_is_quarantined_and_the_rest_is_stored(day):
    device = make_device()
    gone = make_device(deleted=True)
    now = dt.datetime.now(dt.UTC)
    good_at = day + dt.timedelta(hours=10)
    batch = [
        reading(device, good_at, 1),
        "not an object",
        {"device_id": str(device), "timestamp": good_at.isoformat()},
        {"device_id": "nope", "timestamp": good_at.isoformat(), "measurement_value": 1},
        {"device_id": str(device), "timestamp": "yesterday", "measurement_value": 1},
        {"device_id": str(device), "timestamp": "2026-01-01T10:00:00", "measurement_value": 1},
        {"device_id": str(device), "timestamp": good_at.isoformat(), "measurement_value": "x"},
        reading(uuid.uuid4(), good_at, 1),
        reading(gone, good_at, 1),
        reading(device, good_at, float("nan")),
        reading(device, good_at, float("inf")),
        reading(device, good_at, -1),
        reading(device, now + dt.timedelta(days=2), 1),
        reading(device, now - dt.timedelta(days=400), 1),
    ]
    result = readings_ingest(raw_readings=batch)
    expected = {
        "malformed": 6,
        "unknown_device": 1,
        "deleted_device": 1,
        "invalid_value": 3,
        "future_timestamp": 1,
        "too_old": 1,
    }
    assert result.stored == 1
    assert result.reasons == expected
    assert quarantine_counts() == expected
    assert Reading.objects.using("monitoring").count() == 1


def test_the_raw_payload_is_kept_with_the_reason_and_detail(day):
    payload = {"device_id": str(uuid.uuid4()), "timestamp": 1, "measurement_value": 2, "x": [1]}
    readings_ingest(raw_readings=[payload])
    kept = QuarantinedReading.objects.using("monitoring").get()
    assert kept.payload == payload
    assert kept.reason == "malformed"
    assert "epoch" in kept.detail


def test_a_redelivered_batch_does_not_quarantine_the_same_reading_twice(day):
    device = make_device()
    batch = [reading(device, day, 1), {"device_id": "nope"}, reading(uuid.uuid4(), day, 1)]
    readings_ingest(raw_readings=batch, batch_id="task-1")
    readings_ingest(raw_readings=batch, batch_id="task-1")
    readings_ingest(raw_readings=batch, batch_id="task-2")
    assert quarantine_counts() == {"malformed": 2, "unknown_device": 2}
