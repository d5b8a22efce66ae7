"""Device events sent through real Redis reach the projection through a real worker."""

import uuid

import pytest

from apps.monitoring.models import DeviceProjection
from ems.celery import app
from ems.events import DEVICE_CHANGED, EVENTS_QUEUE
from tests.workers import celery_worker, wait_until


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_published_device_event_is_applied_by_the_worker():
    device_id = uuid.uuid4()
    event = {
        "device_id": str(device_id),
        "version": 1,
        "owner_id": 4,
        "max_hourly_kwh": "3",
        "meter_kind": "interval",
        "ingestion_token_hash": None,
        "description": "x",
        "deleted": False,
    }
    with celery_worker(EVENTS_QUEUE):
        app.send_task(DEVICE_CHANGED, kwargs=event, queue=EVENTS_QUEUE)
        assert wait_until(lambda: DeviceProjection.objects.filter(id=device_id).exists())
    assert DeviceProjection.objects.get(id=device_id).meter_kind == "interval"
