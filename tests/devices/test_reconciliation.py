"""A change committed while the broker is down stands (the API answers success), and the periodic
reconciliation brings monitoring's projection to the devices' state: lost changes and lost
deletes converge, a device newer than the inventory is left alone, with a real worker and Redis."""

import logging
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connections, transaction

from apps.devices import services, tasks
from apps.devices.models import Device
from apps.devices.reconciliation import inventory_version_take
from apps.users.models import User
from ems.celery import app
from ems.events import DEVICE_CHANGED, DEVICE_INVENTORY, EVENTS_QUEUE
from tests.devices.projection import (
    create_device,
    device_version,
    projected,
    projection_reaches,
)
from tests.workers import broker_unreachable, celery_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "devices", "monitoring"])


def _events_applied() -> None:
    """Wait until the worker applied every event sent before: one worker, one queue, in order."""
    sentinel = str(uuid.uuid4())
    event = {"device_id": sentinel, "version": 1, "max_hourly_kwh": "1.000", "meter_kind": "index"}
    app.send_task(DEVICE_CHANGED, kwargs=event, queue=EVENTS_QUEUE)
    assert wait_until(lambda: projected(sentinel) is not None)


def _lost_events(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "ems.publish"]


def test_device_changes_committed_while_the_broker_is_down_answer_success_and_stand(
    api_admin, client_a, caplog
):
    with broker_unreachable(), caplog.at_level(logging.ERROR, logger="ems.publish"):
        device_id = create_device(api_admin, description="Boiler room")
        url = f"/api/devices/{device_id}/"
        assert Device.objects.get(id=device_id).description == "Boiler room"

        response = api_admin.patch(url, {"max_hourly_kwh": "3.75", "owner": client_a.id})
        assert response.status_code == 200, response.content
        saved = Device.objects.get(id=device_id)
        assert (saved.max_hourly_kwh, saved.owner_id) == (Decimal("3.750"), client_a.id)

        assert api_admin.delete(url).status_code == 204
        assert not Device.objects.filter(id=device_id).exists()
    lost = _lost_events(caplog)
    assert len(lost) == 3
    # Each error carries the event, so it can be replayed by hand if need be.
    assert all(DEVICE_CHANGED in message and device_id in message for message in lost)
    assert "'deleted': True" in lost[-1]


def test_an_account_change_committed_while_the_broker_is_down_answers_200_and_stands(
    api_admin, client_a, caplog
):
    with broker_unreachable(), caplog.at_level(logging.ERROR, logger="ems.publish"):
        response = api_admin.patch(f"/api/users/{client_a.id}/", {"is_active": False})
    assert response.status_code == 200, response.content
    assert User.objects.get(id=client_a.id).is_active is False
    (lost,) = _lost_events(caplog)
    assert "users.account_changed" in lost
    assert f"'user_id': {client_a.id}" in lost


def test_a_change_whose_event_was_lost_reaches_the_projection_after_the_periodic_reconciliation(
    api_admin, client_a, settings
):
    with celery_worker(EVENTS_QUEUE):
        device_id = create_device(api_admin, description="Boiler room")
        assert projection_reaches(device_id, version=device_version(device_id))
    with broker_unreachable():
        response = api_admin.patch(
            f"/api/devices/{device_id}/", {"max_hourly_kwh": "3.75", "owner": client_a.id}
        )
        assert response.status_code == 200
    assert projected(device_id).max_hourly_kwh == Decimal("2.500")  # the event was lost

    # Exactly what beat sends (CELERY_BEAT_SCHEDULE), consumed by the devices worker.
    entry = settings.CELERY_BEAT_SCHEDULE["devices-reconcile"]
    assert entry["options"]["queue"] == "devices"
    with celery_worker("devices", EVENTS_QUEUE):
        app.send_task(entry["task"], **entry["options"])
        assert projection_reaches(
            device_id,
            max_hourly_kwh=Decimal("3.75"),
            owner_id=client_a.id,
            version=device_version(device_id),
            deleted=False,
        )


def test_deletes_whose_tombstones_were_lost_are_marked_deleted_by_the_inventory(
    api_admin, settings
):
    settings.DEVICES_INVENTORY_CHUNK = 2  # five devices: three inventory events
    with celery_worker(EVENTS_QUEUE):
        device_ids = sorted(create_device(api_admin, description=f"Meter {n}") for n in range(5))
        for device_id in device_ids:
            assert projection_reaches(device_id, version=device_version(device_id))
    # The first and the last by id: the open-ended ranges of the first and the last chunk.
    gone = [device_ids[0], device_ids[3], device_ids[4]]
    kept = [device_ids[1], device_ids[2]]
    with broker_unreachable():
        for device_id in gone:
            assert api_admin.delete(f"/api/devices/{device_id}/").status_code == 204
    assert not any(projected(device_id).deleted for device_id in gone)

    with celery_worker(EVENTS_QUEUE):
        assert tasks.reconcile() == {"devices": 2, "inventories": 2}
        _events_applied()
    for device_id in gone:
        assert projected(device_id).deleted
        assert projected(device_id).ingestion_token_hash is None
    for device_id in kept:
        assert not projected(device_id).deleted
        assert projected(device_id).version == device_version(device_id)


def test_a_late_and_repeated_inventory_leaves_a_device_newer_than_it_alone(
    api_admin, broker_events
):
    with celery_worker(EVENTS_QUEUE):
        gone = create_device(api_admin, description="Old meter")
        assert projection_reaches(gone, version=device_version(gone))
    with broker_unreachable():
        assert api_admin.delete(f"/api/devices/{gone}/").status_code == 204

    tasks.reconcile()  # no worker: its events wait in the queue, taken off here
    reconciliation = broker_events()
    (inventory,) = [event for name, event in reconciliation if name == DEVICE_INVENTORY]
    assert inventory["device_ids"] == []

    with celery_worker(EVENTS_QUEUE):
        newer = create_device(api_admin, description="New meter")  # after the inventory was taken
        assert projection_reaches(newer, version=device_version(newer))
        assert device_version(newer) > inventory["max_version"]
        for _ in range(2):
            for name, event in reconciliation:
                app.send_task(name, kwargs=event, queue=EVENTS_QUEUE)
        _events_applied()
    assert projected(gone).deleted
    assert not projected(newer).deleted
    assert projected(newer).version == device_version(newer)


def _advisory_lock_waiters() -> int:
    with connections["devices"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


def test_the_inventory_version_waits_for_a_change_that_drew_a_smaller_one():
    taken = {}

    def take() -> None:
        try:
            taken["version"] = inventory_version_take()
        finally:
            connections.close_all()  # this thread's own connections

    with transaction.atomic(using="devices"):
        # A change in flight: its version is drawn, its row not yet committed.
        in_flight = services._next_version()
        thread = threading.Thread(target=take)
        thread.start()
        assert wait_until(lambda: _advisory_lock_waiters() == 1)
        assert "version" not in taken
    thread.join(timeout=15)
    # Taken only once the change finished, so a list read after it includes that change.
    assert taken["version"] > in_flight
