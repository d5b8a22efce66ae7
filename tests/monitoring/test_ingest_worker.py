"""Batches through the inbox and a real worker; the sweep; the attempts bound; retention."""

import datetime as dt
import time
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings

from apps.monitoring import delivery_attempts, wakeups
from apps.monitoring.models import InboxBatch, QuarantinedReading, Reading
from apps.monitoring.services import inbox_attempts_name, readings_enqueue
from ems.celery import app
from ems.events import READINGS_QUEUE
from tests.workers import broker_unreachable, celery_worker, wait_until

from .conftest import hourly, make_device, reading, sensor_values

H = dt.timedelta(hours=1)


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_an_enqueued_batch_is_aggregated_by_the_worker_and_leaves_the_inbox(day):
    device = make_device()
    values = sensor_values(6)
    batch = [
        reading(device, day + 10 * H + dt.timedelta(minutes=10 * i), v)
        for i, v in enumerate(values)
    ]
    with celery_worker(READINGS_QUEUE):
        readings_enqueue(readings=batch)
        assert wait_until(lambda: not InboxBatch.objects.using("monitoring").exists())
    assert hourly(device) == {day + 10 * H: Decimal("10.23553823")}


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_accepted_while_the_broker_was_down_is_ingested_by_the_next_sweep(day):
    device = make_device()
    with broker_unreachable():
        readings_enqueue(
            readings=[reading(device, day + 10 * H, 1), reading(device, day + 11 * H, 3)]
        )
    assert InboxBatch.objects.using("monitoring").count() == 1
    with celery_worker(READINGS_QUEUE):
        # What beat sends every MONITORING_INBOX_SWEEP_SECONDS.
        sweep = django_settings.CELERY_BEAT_SCHEDULE["monitoring-inbox-sweep"]
        app.send_task(sweep["task"], **sweep["options"])
        assert wait_until(lambda: hourly(device) == {day + 10 * H: Decimal("2")})
    assert not InboxBatch.objects.using("monitoring").exists()


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_taken_too_often_by_workers_that_died_is_quarantined_whole(day):
    device = make_device()
    readings_enqueue(readings=[reading(device, day + 10 * H, 1), reading(device, day + 11 * H, 2)])
    batch = InboxBatch.objects.using("monitoring").get()
    # As if earlier workers had all died while they held this batch.
    counter = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    key = delivery_attempts.redis_key(inbox_attempts_name(batch.id, batch.received_at))
    counter.set(key, django_settings.MONITORING_MAX_DELIVERIES)
    with celery_worker(READINGS_QUEUE):
        wakeups.wake()
        assert wait_until(lambda: QuarantinedReading.objects.using("monitoring").count() == 2)
    assert set(QuarantinedReading.objects.using("monitoring").values_list("reason", flat=True)) == {
        "redelivery_limit"
    }
    assert not Reading.objects.using("monitoring").exists()
    assert not InboxBatch.objects.using("monitoring").exists()
    assert counter.get(key) is None


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_wake_ups_do_not_pile_up_while_no_worker_runs(day):
    device = make_device()
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(READINGS_QUEUE)
    wakeups.drain_started()  # the purged wake-up is not pending any more
    for hour in range(20):
        readings_enqueue(readings=[reading(device, day + hour * H, hour)])
    with app.connection_for_write() as connection:
        assert connection.default_channel.client.llen(READINGS_QUEUE) == 1
    with celery_worker(READINGS_QUEUE):
        readings_enqueue(readings=[reading(device, day + 20 * H, 20)])
        assert wait_until(lambda: not InboxBatch.objects.using("monitoring").exists())
    assert len(hourly(device)) == 20


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_batch_is_kept_at_once_while_the_broker_is_down(day):
    device = make_device()
    with broker_unreachable():
        started = time.monotonic()
        for hour in range(5):
            readings_enqueue(readings=[reading(device, day + hour * H, hour)])
        elapsed = time.monotonic() - started
    assert InboxBatch.objects.using("monitoring").count() == 5
    assert elapsed < 5, f"five batches took {elapsed:.1f} s with the broker down"
