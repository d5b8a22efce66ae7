"""The users app's ACCOUNT_CHANGED event: a deleted client's devices are unassigned, a deactivated
client's devices are hidden from them until reactivation; every delivery is idempotent."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from apps.devices import services, tasks
from apps.devices.models import Device, OwnerAccount
from apps.devices.selectors import visible_owner_id

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


_versions = itertools.count(1)


def _account(user, **changes) -> dict:
    """An account event newer than every one before it (unless `version` is given)."""
    event = {
        "user_id": user.id,
        "is_active": True,
        "role": "client",
        "deleted": False,
        "version": next(_versions),
    }
    return {**event, **changes}


def _state(device) -> tuple:
    fresh = Device.objects.get(id=device.id)
    return fresh.owner_id, fresh.version


def _visible_to(api) -> list[str]:
    return [device["id"] for device in api.get("/api/devices/").json()["results"]]


def test_a_deactivated_client_no_longer_sees_their_devices(api_a, client_a, device_of_a):
    tasks.account_changed(**_account(client_a, is_active=False))
    assert _visible_to(api_a) == []
    assert api_a.get(f"/api/devices/{device_of_a.id}/").status_code == 404


def test_deactivation_keeps_the_assignment_and_reactivation_restores_it(
    api_a, api_admin, client_a, device_of_a
):
    tasks.account_changed(**_account(client_a, is_active=False))
    assert Device.objects.get(id=device_of_a.id).owner_id == client_a.id
    assert api_admin.get(f"/api/devices/{device_of_a.id}/").json()["owner"] == client_a.id
    tasks.account_changed(**_account(client_a, is_active=True))
    assert _visible_to(api_a) == [str(device_of_a.id)]


def test_hiding_and_restoring_gives_the_devices_new_versions(client_a, device_of_a):
    before = _state(device_of_a)[1]
    tasks.account_changed(**_account(client_a, is_active=False))
    hidden = _state(device_of_a)[1]
    tasks.account_changed(**_account(client_a, is_active=True))
    assert before < hidden < _state(device_of_a)[1]


def test_a_repeated_deactivation_changes_nothing(client_a, device_of_a):
    assert services.device_owner_account_changed(**_account(client_a, is_active=False)) == 1
    state = _state(device_of_a)
    assert services.device_owner_account_changed(**_account(client_a, is_active=False)) == 0
    assert _state(device_of_a) == state


def test_a_deleted_clients_devices_are_unassigned(client_b, device_of_a, device_of_b):
    tasks.account_changed(**_account(client_b, is_active=False, deleted=True))
    assert _state(device_of_b)[0] is None
    assert _state(device_of_a)[0] is not None


def test_a_repeated_deletion_changes_nothing(client_b, device_of_b):
    assert services.device_owner_account_changed(**_account(client_b, deleted=True)) == 1
    state = _state(device_of_b)
    assert services.device_owner_account_changed(**_account(client_b, deleted=True)) == 0
    assert _state(device_of_b) == state


def test_an_event_arriving_after_the_deletion_changes_nothing(client_b, device_of_b):
    services.device_owner_account_changed(**_account(client_b, deleted=True))
    state = _state(device_of_b)
    assert services.device_owner_account_changed(**_account(client_b, is_active=True)) == 0
    assert _state(device_of_b) == state


def test_an_assignment_to_an_account_known_deleted_is_refused(client_b, unassigned_device):
    # The users database still has the account: its deletion reached the devices app first.
    services.device_owner_account_changed(**_account(client_b, deleted=True))
    with pytest.raises(ValidationError) as refused:
        services.device_assign(device=unassigned_device, owner_id=client_b.id)
    assert "owner" in refused.value.message_dict
    assert _state(unassigned_device)[0] is None


def test_a_client_made_administrator_stops_owning_visibly(client_a, device_of_a):
    tasks.account_changed(**_account(client_a, role="admin"))
    assert Device.objects.get(id=device_of_a.id).owner_id == client_a.id
    assert visible_owner_id(device=Device.objects.get(id=device_of_a.id)) is None


def test_a_stale_reactivation_arriving_after_a_deactivation_changes_nothing(
    api_a, client_a, device_of_a
):
    reactivation = _account(client_a, is_active=True)
    deactivation = _account(client_a, is_active=False)
    tasks.account_changed(**deactivation)
    tasks.account_changed(**reactivation)
    assert _visible_to(api_a) == []


def test_a_stale_deactivation_arriving_after_a_reactivation_changes_nothing(
    api_a, client_a, device_of_a
):
    deactivation = _account(client_a, is_active=False)
    reactivation = _account(client_a, is_active=True)
    tasks.account_changed(**reactivation)
    tasks.account_changed(**deactivation)
    assert _visible_to(api_a) == [str(device_of_a.id)]


def test_an_event_about_an_account_without_devices_is_harmless(client_a):
    assert services.device_owner_account_changed(**_account(client_a, is_active=False)) == 0


@pytest.mark.parametrize(
    "broken",
    [{}, {"user_id": "x", "is_active": True, "role": "client"}, {"user_id": None, "role": "c"}],
)
def test_a_malformed_account_event_is_refused_without_an_error(broken, device_of_a):
    state = _state(device_of_a)
    tasks.account_changed(**broken)
    assert not OwnerAccount.objects.exists()
    assert _state(device_of_a) == state
