"""Reads of devices: what an administrator may list, what a client may see of their own."""

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet

from ems.vocabulary import Role

from .models import Device, OwnerAccount


def _devices() -> QuerySet[Device]:
    return Device.objects.using("devices").order_by("description", "id")


def owner_may_see_devices(*, user_id: int) -> bool:
    """False while the devices app knows the account as deactivated, deleted or not a client."""
    account = OwnerAccount.objects.using("devices").filter(user_id=user_id).first()
    return account is None or account.may_see_devices


def visible_owner_id(*, device: Device) -> int | None:
    """The owner as monitoring and the client see it: none while the account may not see it."""
    if device.owner_id is None or not owner_may_see_devices(user_id=device.owner_id):
        return None
    return device.owner_id


def device_list(
    *,
    owner: int | None = None,
    unassigned: bool | None = None,
    meter_kind: str | None = None,
    search: str | None = None,
) -> QuerySet[Device]:
    """Every device, for administrators, narrowed by the given filters."""
    devices = _devices()
    if owner is not None:
        devices = devices.filter(owner_id=owner)
    if unassigned is not None:
        devices = devices.filter(owner_id__isnull=unassigned)
    if meter_kind:
        devices = devices.filter(meter_kind=meter_kind)
    if search:
        devices = devices.filter(Q(description__icontains=search) | Q(address__icontains=search))
    return devices


def device_list_for_client(*, client_id: int, search: str | None = None) -> QuerySet[Device]:
    """The client's own devices; none while their account is deactivated (docs/consistency.md)."""
    if not owner_may_see_devices(user_id=client_id):
        return Device.objects.using("devices").none()
    return device_list(owner=client_id, search=search)


def device_get(*, device_id: uuid.UUID) -> Device | None:
    return _devices().filter(id=device_id).first()


def device_get_for_client(*, device_id: uuid.UUID, client_id: int) -> Device | None:
    return device_list_for_client(client_id=client_id).filter(id=device_id).first()


def device_chunk_by_id(*, after: uuid.UUID | None, limit: int) -> list[tuple[Device, int | None]]:
    """Up to `limit` devices with an id above `after`, by id, each with its visible owner.

    One statement, so each device and its owner's account are read in the same snapshot: the
    visible owner is the one the device's current version was published with. "Hidden" is the
    negation of OwnerAccount.may_see_devices.
    """
    hidden = OwnerAccount.objects.using("devices").filter(user_id=OuterRef("owner_id"))
    hidden = hidden.exclude(is_active=True, role=Role.CLIENT, deleted=False)
    devices = Device.objects.using("devices").annotate(owner_hidden=Exists(hidden)).order_by("id")
    if after is not None:
        devices = devices.filter(id__gt=after)
    return [
        (device, None if device.owner_hidden else device.owner_id) for device in devices[:limit]
    ]
