"""The devices services: versions, change detection and the owner check."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.devices import services
from apps.devices.models import Device
from tests.devices.conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "devices"])


def _version(device) -> int:
    return Device.objects.get(id=device.id).version


def test_every_change_gives_a_higher_version(client_a):
    device = make_device()
    versions = [_version(device)]
    services.device_update(device=device, data={"description": "Other"})
    versions.append(_version(device))
    services.device_assign(device=device, owner_id=client_a.id)
    versions.append(_version(device))
    services.device_ingestion_token_issue(device=device)
    versions.append(_version(device))
    assert versions == sorted(set(versions))


def test_a_change_to_the_same_values_keeps_the_version(device_of_a):
    version = _version(device_of_a)
    services.device_update(
        device=device_of_a, data={"max_hourly_kwh": Decimal("2.5"), "meter_kind": "index"}
    )
    assert _version(device_of_a) == version


def test_only_the_editable_fields_can_be_changed(device_of_a):
    with pytest.raises(ValueError, match="not editable"):
        services.device_update(device=device_of_a, data={"version": 1})


def test_an_assignment_from_a_stale_copy_of_the_device_is_still_checked(admin, device_of_a):
    stale = Device.objects.get(id=device_of_a.id)
    services.device_unassign(device=device_of_a)
    # `stale` says the owner is already the administrator, so the change looks like none.
    stale.owner_id = admin.id
    with pytest.raises(ValidationError):
        services.device_assign(device=stale, owner_id=admin.id)
    assert Device.objects.get(id=device_of_a.id).owner_id is None


def test_a_device_deleted_meanwhile_cannot_be_changed(device_of_a):
    stale = Device.objects.get(id=device_of_a.id)
    services.device_delete(device=device_of_a)
    with pytest.raises(Device.DoesNotExist):
        services.device_update(device=stale, data={"description": "x"})
    services.device_delete(device=stale)  # a second delete is harmless
