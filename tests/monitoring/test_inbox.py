"""The inbox: batches of one meter in the order they were accepted, whatever the workers do;
a batch whose database connection dies stays in the inbox and counts once when taken again."""

import datetime as dt
import threading
from decimal import Decimal

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import OperationalError, connections, transaction
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.monitoring import delivery_attempts, services
from apps.monitoring.models import InboxBatch, QuarantinedReading, Reading
from apps.monitoring.services import inbox_attempts_name, inbox_drain, readings_enqueue

from .conftest import hourly, make_device, reading
from .test_worker_kill import meter_locked

pytestmark = pytest.mark.django_db(transaction=True, databases=["monitoring"])

H = dt.timedelta(hours=1)


def _batches() -> list[InboxBatch]:
    return list(InboxBatch.objects.using("monitoring").order_by("id"))


def _in_another_worker(work):
    """Run `work` on a thread with its own database connection; returns (thread, errors)."""
    errors = []

    def run():
        try:
            work()
        except Exception as error:  # reported by the caller
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_drain_ingests_every_batch_and_empties_the_inbox(day):
    device = make_device()
    readings_enqueue(readings=[reading(device, day + 10 * H, 0)])
    readings_enqueue(readings=[reading(device, day + 11 * H, 3)])
    result = inbox_drain()
    assert (result.batches, result.readings) == (2, 2)
    assert hourly(device) == {day + 10 * H: Decimal("3")}
    assert _batches() == []


def test_a_later_batch_of_a_meter_waits_while_its_earlier_batch_is_held(day):
    meter, other = make_device(), make_device()
    readings_enqueue(readings=[reading(meter, day + 10 * H, 0)])
    readings_enqueue(readings=[reading(meter, day + 11 * H, 3)])
    readings_enqueue(readings=[reading(other, day + 10 * H, 0)])
    first, second, _other = _batches()
    held, release = threading.Event(), threading.Event()

    def hold_the_first_batch():
        # As a worker that took the batch and is still ingesting it.
        with transaction.atomic(using="monitoring"):
            InboxBatch.objects.using("monitoring").select_for_update().get(id=first.id)
            held.set()
            release.wait(timeout=30)

    thread, errors = _in_another_worker(hold_the_first_batch)
    assert held.wait(timeout=10)
    try:
        result = inbox_drain()
    finally:
        release.set()
        thread.join(timeout=30)
    assert errors == []
    # Only the other meter's batch: the meter's second batch may not overtake its first.
    assert result.batches == 1
    assert [batch.id for batch in _batches()] == [first.id, second.id]
    assert inbox_drain().batches == 2
    assert hourly(meter) == {day + 10 * H: Decimal("3")}


def test_a_batch_whose_connection_dies_stays_in_the_inbox_and_counts_once(day):
    device = make_device()
    readings_enqueue(readings=[reading(device, day + 10 * H, 0), reading(device, day + 11 * H, 3)])
    (batch,) = _batches()
    with meter_locked(device):
        thread, errors = _in_another_worker(inbox_drain)
        with connections["monitoring"].cursor() as cursor:
            for _ in range(100):
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
                if waiting := cursor.fetchall():
                    break
                threading.Event().wait(0.1)
            assert waiting, "the drain never reached the batch"
            # As when PostgreSQL restarts under the worker.
            cursor.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
        thread.join(timeout=30)
    assert [type(error) for error in errors] == [OperationalError]
    assert [b.id for b in _batches()] == [batch.id]
    assert not Reading.objects.using("monitoring").exists()
    # The failure was the database's, not the batch's: it does not count against the batch.
    counter = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert (
        counter.get(delivery_attempts.redis_key(inbox_attempts_name(batch.id, batch.received_at)))
        is None
    )
    assert inbox_drain().batches == 1
    assert hourly(device) == {day + 10 * H: Decimal("3")}
    assert Reading.objects.using("monitoring").count() == 2


def test_a_counter_left_by_another_databases_batch_of_the_same_id_does_not_count(day):
    """Redis outlives a database restored from a backup (or made anew by a test run): the
    inbox ids start again, and an old counter must not quarantine a new batch."""
    device = make_device()
    readings_enqueue(readings=[reading(device, day + 10 * H, 1), reading(device, day + 11 * H, 4)])
    batch = InboxBatch.objects.using("monitoring").get()
    counter = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    earlier = inbox_attempts_name(batch.id, batch.received_at - dt.timedelta(hours=3))
    counter.set(delivery_attempts.redis_key(earlier), settings.MONITORING_MAX_DELIVERIES)
    try:
        assert inbox_drain().batches == 1
    finally:
        counter.delete(delivery_attempts.redis_key(earlier))
    assert not QuarantinedReading.objects.using("monitoring").exists()
    assert hourly(device) == {day + 10 * H: Decimal("3")}


def test_a_batch_whose_copy_the_database_cancels_stays_in_the_inbox(day, monkeypatch):
    """A statement cancelled under the COPY (an administrator, a lock timeout, a deadlock) is
    the database's doing, not the batch's: the batch stays for the next drain."""
    device = make_device()
    readings_enqueue(readings=[reading(device, day + 10 * H, 1), reading(device, day + 11 * H, 4)])
    copy = services._copy_readings

    def cancelled(raw_cursor, readings):
        raw_cursor.execute("SET LOCAL statement_timeout = '10ms'")
        raw_cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(services, "_copy_readings", cancelled)
    with pytest.raises(OperationalError):
        inbox_drain()
    assert len(_batches()) == 1
    assert not QuarantinedReading.objects.using("monitoring").exists()

    monkeypatch.setattr(services, "_copy_readings", copy)
    assert inbox_drain().batches == 1
    assert hourly(device) == {day + 10 * H: Decimal("3")}


def test_a_drain_that_runs_out_of_time_leaves_the_rest_for_the_next(day):
    device = make_device()
    for hour in range(3):
        readings_enqueue(readings=[reading(device, day + hour * H, hour)])
    assert inbox_drain(seconds=0).batches == 0
    assert len(_batches()) == 3
    assert services.inbox_drain().batches == 3


def _two_hours(meter, day) -> list[dict]:
    return [reading(meter, day + 10 * H, 0), reading(meter, day + 11 * H, 3)]


def _counter() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _attempts_key(batch: InboxBatch) -> str:
    return delivery_attempts.redis_key(inbox_attempts_name(batch.id, batch.received_at))


def test_waiting_batches_of_different_meters_are_ingested_together_each_quarantined_apart(day):
    meters = [make_device() for _ in range(3)]
    for meter in meters:
        readings_enqueue(
            readings=[
                reading(meter, day + 10 * H, 0),
                {"device_id": str(meter), "timestamp": "yesterday", "measurement_value": 1},
                reading(meter, day + 11 * H, 3),
            ]
        )
    batches = _batches()
    result = inbox_drain()
    assert (result.batches, result.readings, result.quarantined_batches) == (3, 9, 0)
    for meter in meters:
        assert hourly(meter) == {day + 10 * H: Decimal("3")}
    # Each batch's bad reading is kept under its own batch, at its own position.
    assert sorted(
        QuarantinedReading.objects.using("monitoring").values_list("batch_id", "position")
    ) == sorted((f"inbox-{batch.id}", 1) for batch in batches)
    assert _batches() == []
    assert all(_counter().get(_attempts_key(batch)) is None for batch in batches)


def test_batches_that_fail_together_are_taken_one_by_one_and_only_the_culprit_is_parked(
    day, monkeypatch
):
    good, bad, other = make_device(), make_device(), make_device()
    for meter in (good, bad, other):
        readings_enqueue(readings=_two_hours(meter, day))
    store = services._store_and_aggregate

    def fails_on_the_bad_meter(readings):
        if any(parsed.device_id == bad for parsed in readings):
            raise RuntimeError("a bug this batch meets")
        return store(readings)

    monkeypatch.setattr(services, "_store_and_aggregate", fails_on_the_bad_meter)
    result = inbox_drain()
    assert (result.batches, result.quarantined_batches) == (3, 1)
    assert hourly(good) == hourly(other) == {day + 10 * H: Decimal("3")}
    assert hourly(bad) == {}
    parked = QuarantinedReading.objects.using("monitoring")
    assert set(parked.values_list("reason", flat=True)) == {"processing_error"}
    assert {row.payload["device_id"] for row in parked} == {str(bad)}
    assert _batches() == []


def test_a_batch_taken_again_is_ingested_alone_and_the_others_do_not_count_it(day):
    """A batch whose worker died in it is taken alone the next time: one that kills every
    worker must reach the redelivery limit by itself, never with innocent batches."""
    meters = [make_device() for _ in range(3)]
    for meter in meters:
        readings_enqueue(readings=_two_hours(meter, day))
    first, again, third = _batches()
    counter = _counter()
    # As if a worker had died holding the second batch at its last allowed attempt.
    counter.set(_attempts_key(again), settings.MONITORING_MAX_DELIVERIES)
    try:
        result = inbox_drain()
    finally:
        counter.delete(_attempts_key(again))
    # The fresh batches together, then the one taken too often on its own: parked whole.
    assert (result.batches, result.quarantined_batches) == (3, 1)
    assert hourly(meters[0]) == hourly(meters[2]) == {day + 10 * H: Decimal("3")}
    assert hourly(meters[1]) == {}
    assert set(
        QuarantinedReading.objects.using("monitoring").values_list("batch_id", "reason")
    ) == {(f"inbox-{again.id}", "redelivery_limit")}
    assert all(counter.get(_attempts_key(batch)) is None for batch in (first, again, third))


def test_a_batch_held_but_not_taken_keeps_its_count(day, monkeypatch):
    meters = [make_device() for _ in range(2)]
    for meter in meters:
        readings_enqueue(readings=_two_hours(meter, day))
    first, again = _batches()
    counter = _counter()
    # One attempt left: held (and not taken) along with the fresh batch, then taken alone.
    counter.set(_attempts_key(again), settings.MONITORING_MAX_DELIVERIES - 1)
    taken = _spy_on_transactions(monkeypatch)
    try:
        assert inbox_drain().batches == 2
    finally:
        counter.delete(_attempts_key(again))
    assert taken == [[first.id], [again.id]]
    # Its last attempt was the one it was taken in: ingested, not parked.
    assert not QuarantinedReading.objects.using("monitoring").exists()
    assert hourly(meters[1]) == {day + 10 * H: Decimal("3")}


def _spy_on_transactions(monkeypatch) -> list[list[int]]:
    """The ids of the batches each transaction of a drain ingests."""
    taken = []
    ingest = services._ingest_taken
    monkeypatch.setattr(
        services,
        "_ingest_taken",
        lambda batches, result: (
            taken.append([batch.id for batch in batches]) or ingest(batches, result)
        ),
    )
    return taken


def test_batches_that_met_an_environment_error_together_are_each_taken_alone_next(day, monkeypatch):
    """A batch whose content the database cannot take (a crashed backend, a time limit) must
    block its own meters only, not the batches it happened to be taken with."""
    meters = [make_device() for _ in range(3)]
    for meter in meters:
        readings_enqueue(readings=_two_hours(meter, day))
    batches = _batches()
    store, failures = services._store_and_aggregate, [OperationalError("server closed")]

    def fails_once(readings):
        if failures:
            raise failures.pop()
        return store(readings)

    monkeypatch.setattr(services, "_store_and_aggregate", fails_once)
    with pytest.raises(OperationalError):
        inbox_drain()
    assert _batches() == batches
    taken = _spy_on_transactions(monkeypatch)
    try:
        assert inbox_drain().batches == 3
    finally:
        for batch in batches:
            _counter().delete(_attempts_key(batch))
    assert taken == [[batch.id] for batch in batches]
    assert not QuarantinedReading.objects.using("monitoring").exists()
    for meter in meters:
        assert hourly(meter) == {day + 10 * H: Decimal("3")}


def test_without_redis_to_count_attempts_batches_are_taken_one_at_a_time(day, monkeypatch):
    meters = [make_device() for _ in range(3)]
    for meter in meters:
        readings_enqueue(readings=_two_hours(meter, day))
    batches = _batches()
    nobody = redis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(delivery_attempts, "broker_redis", lambda: nobody)
    taken = _spy_on_transactions(monkeypatch)
    assert inbox_drain().batches == 3
    assert taken == [[batch.id] for batch in batches]
    for meter in meters:
        assert hourly(meter) == {day + 10 * H: Decimal("3")}


def test_a_statement_a_migration_made_stale_leaves_the_batch_for_the_next_drain(day):
    """A migration that changes what a prepared statement returns (here the meters'
    description, which the recompute returns) while the worker runs: the batch waits for the
    next drain, which prepares the statement anew; it is not quarantined."""
    device = make_device()
    readings_enqueue(readings=[reading(device, day + 10 * H, 0)])
    inbox_drain()  # the recompute is prepared on this connection
    readings_enqueue(readings=[reading(device, day + 11 * H, 3)])
    params = connections["monitoring"].get_connection_params()
    alter = "ALTER TABLE monitoring_device_projection ALTER description TYPE varchar({})"
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute(alter.format(201))
    try:
        with pytest.raises(OperationalError):
            inbox_drain()
        assert len(_batches()) == 1
        assert not QuarantinedReading.objects.using("monitoring").exists()
        assert inbox_drain().batches == 1
    finally:
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute(alter.format(200))
    assert hourly(device) == {day + 10 * H: Decimal("3")}
