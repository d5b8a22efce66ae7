"""Batches of readings through real Redis and a real worker; the redelivery bound; retention."""

import datetime as dt
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from apps.monitoring.models import HourlyConsumption, QuarantinedReading, Reading
from apps.monitoring.services import INGEST_READINGS, readings_delete_old
from ems.celery import app
from ems.events import READINGS_QUEUE
from tests.workers import celery_worker, wait_until

from .conftest import hourly, make_device, reading, sensor_values

H = dt.timedelta(hours=1)


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_published_batch_is_aggregated_by_the_worker(day):
    device = make_device()
    values = sensor_values(6)
    batch = [
        reading(device, day + 10 * H + dt.timedelta(minutes=10 * i), v)
        for i, v in enumerate(values)
    ]
    with celery_worker(READINGS_QUEUE):
        app.send_task(INGEST_READINGS, kwargs={"readings": batch}, queue=READINGS_QUEUE)
        assert wait_until(lambda: hourly(device) != {})
    assert hourly(device) == {day + 10 * H: Decimal("10.23553823")}


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_delivered_too_often_is_quarantined_whole(day):
    device = make_device()
    batch = [reading(device, day + 10 * H, 1), reading(device, day + 11 * H, 2)]
    task_id = "poison-batch-test"
    # As if earlier deliveries of this task had all died mid-batch.
    counter = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    counter.set(f"monitoring:deliveries:{task_id}:0", django_settings.MONITORING_MAX_DELIVERIES)
    with celery_worker(READINGS_QUEUE):
        app.send_task(
            INGEST_READINGS, kwargs={"readings": batch}, queue=READINGS_QUEUE, task_id=task_id
        )
        assert wait_until(lambda: QuarantinedReading.objects.using("monitoring").count() == 2)
    counter.delete(f"monitoring:deliveries:{task_id}:0")
    assert set(QuarantinedReading.objects.using("monitoring").values_list("reason", flat=True)) == {
        "redelivery_limit"
    }
    assert not Reading.objects.using("monitoring").exists()


@pytest.mark.django_db(databases=["monitoring"])
def test_retention_deletes_old_raw_readings_in_chunks_and_keeps_hourly_totals(settings):
    settings.MONITORING_RAW_RETENTION_DAYS = 10
    settings.MONITORING_RETENTION_CHUNK = 3
    device = make_device()
    now = timezone.now()
    Reading.objects.using("monitoring").bulk_create(
        Reading(device_id=device, timestamp=now - dt.timedelta(days=days), value=days)
        for days in (20, 19, 18, 17, 16, 15, 14, 2, 1)
    )
    HourlyConsumption.objects.using("monitoring").create(
        device_id=device, hour_start=now - dt.timedelta(days=20), kwh=1
    )
    assert readings_delete_old(now=now) == 7
    assert Reading.objects.using("monitoring").count() == 2
    assert HourlyConsumption.objects.using("monitoring").count() == 1
