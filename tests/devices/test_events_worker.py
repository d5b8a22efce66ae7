"""With a real Celery worker and real Redis: device changes made through the API reach monitoring's
projection, and the users app's account events reach the devices (and from there the projection)."""

from decimal import Decimal

import pytest

from apps.devices.models import Device, OwnerAccount
from apps.users import services as user_services
from ems.celery import app
from ems.events import ACCOUNT_CHANGED, DEVICES_QUEUE, EVENTS_QUEUE
from tests.devices.projection import (
    create_device,
    device_version,
    projected,
    projection_reaches,
)
from tests.workers import celery_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "devices", "monitoring"])


def test_a_device_created_changed_reassigned_and_deleted_reaches_the_projection(
    api_admin, client_a, client_b
):
    with celery_worker(EVENTS_QUEUE):
        device_id = create_device(api_admin, description="Boiler room")
        url = f"/api/devices/{device_id}/"
        assert projection_reaches(device_id, owner_id=None, description="Boiler room")

        api_admin.patch(url, {"max_hourly_kwh": "3.75", "meter_kind": "interval"})
        assert projection_reaches(device_id, max_hourly_kwh=Decimal("3.75"), meter_kind="interval")

        api_admin.patch(url, {"owner": client_a.id})
        assert projection_reaches(
            device_id, owner_id=client_a.id, version=device_version(device_id)
        )

        api_admin.patch(url, {"owner": client_b.id})
        assert projection_reaches(
            device_id, owner_id=client_b.id, version=device_version(device_id)
        )

        api_admin.post(f"{url}ingestion-token/")
        token_hash = Device.objects.get(id=device_id).ingestion_token_hash
        assert projection_reaches(device_id, ingestion_token_hash=token_hash)

        last_version = device_version(device_id)
        assert api_admin.delete(url).status_code == 204
        assert projection_reaches(device_id, deleted=True, ingestion_token_hash=None)
    assert projected(device_id).version > last_version


def test_deactivation_reactivation_and_deletion_of_clients_reach_devices_and_projection(
    api_admin, api_a, client_a, client_b
):
    with celery_worker(EVENTS_QUEUE, DEVICES_QUEUE):
        device_of_a = create_device(api_admin, owner=client_a.id)
        device_of_b = create_device(api_admin, owner=client_b.id)
        assert projection_reaches(device_of_a, owner_id=client_a.id)
        assert projection_reaches(device_of_b, owner_id=client_b.id)

        user_services.user_deactivate(user=client_a)
        # Alice's access token is still valid (stateless, at most 15 minutes): the event hides.
        assert wait_until(lambda: api_a.get("/api/devices/").json()["results"] == [])
        assert projection_reaches(device_of_a, owner_id=None)
        assert Device.objects.get(id=device_of_a).owner_id == client_a.id

        user_services.user_update(user=client_a, data={"is_active": True})
        assert projection_reaches(device_of_a, owner_id=client_a.id)
        assert api_a.get(f"/api/devices/{device_of_a}/").status_code == 200

        user_services.user_delete(user=client_b)
        assert wait_until(lambda: Device.objects.get(id=device_of_b).owner_id is None)
        assert projection_reaches(device_of_b, owner_id=None, version=device_version(device_of_b))


@pytest.mark.parametrize(
    "account_change",
    [{"is_active": False, "deleted": False}, {"is_active": False, "deleted": True}],
)
def test_an_account_event_delivered_twice_changes_the_devices_once(
    api_admin, client_b, account_change
):
    event = {"user_id": client_b.id, "role": "client", "version": 1, **account_change}
    with celery_worker(EVENTS_QUEUE, DEVICES_QUEUE):
        device_id = create_device(api_admin, owner=client_b.id)
        assert projection_reaches(device_id, owner_id=client_b.id)

        app.send_task(ACCOUNT_CHANGED, kwargs=event, queue=DEVICES_QUEUE)
        assert projection_reaches(device_id, owner_id=None)
        applied = Device.objects.get(id=device_id)

        app.send_task(ACCOUNT_CHANGED, kwargs=event, queue=DEVICES_QUEUE)
        # One worker consumes the devices queue in order: once this later event (about an
        # account nobody has heard of) is applied, so is the duplicate before it.
        sentinel = {
            "user_id": 987654321,
            "role": "client",
            "version": 1,
            "is_active": True,
            "deleted": False,
        }
        app.send_task(ACCOUNT_CHANGED, kwargs=sentinel, queue=DEVICES_QUEUE)
        assert wait_until(lambda: OwnerAccount.objects.filter(user_id=987654321).exists())
    again = Device.objects.get(id=device_id)
    assert (again.owner_id, again.version) == (applied.owner_id, applied.version)
    assert projected(device_id).version == applied.version
