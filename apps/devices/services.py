"""Writes to devices: create, change, assign, delete, ingestion tokens, owners' account changes.

Every change runs in one `devices` transaction, takes a new `version` and publishes
DEVICE_CHANGED when the transaction commits (apps/devices/events.py).
"""

import hashlib
import secrets
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from apps.users import selectors as user_selectors
from ems.vocabulary import MeterKind, Role

from . import selectors
from .events import device_event, publish_device_changed
from .models import VERSION_LOCK, VERSION_SEQUENCE, Device, OwnerAccount

# Fields an update may change; `owner_id` is the assignment.
EDITABLE_FIELDS = ("description", "address", "max_hourly_kwh", "meter_kind", "owner_id")
# Tokens start with a recognisable prefix, so one pasted in the wrong place is easy to spot.
INGESTION_TOKEN_PREFIX = "emsd_"  # noqa: S105 (a prefix, not a secret)


def ingestion_token_hash(token: str) -> str:
    """What is stored and sent to monitoring: the SHA-256 hex digest of the token's UTF-8 bytes."""
    return hashlib.sha256(token.encode()).hexdigest()


def _next_version() -> int:
    with connections["devices"].cursor() as cursor:
        # Held until the change commits or rolls back; see VERSION_LOCK.
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", VERSION_LOCK)
        cursor.execute("SELECT nextval(%s)", [VERSION_SEQUENCE])
        return cursor.fetchone()[0]


def _lock_owner(owner_id: int) -> None:
    """Serialize an assignment to an account with the handling of that account's events.

    Without it, an assignment checked just before the account's deletion could commit just after
    the deletion was applied here, and the device would stay with a deleted owner. The key space
    of advisory locks in the devices database is used for nothing else.
    """
    with connections["devices"].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [owner_id])


def device_owner_validate(*, owner_id: int) -> None:
    """The users app's word that the account exists, is active and is a client.

    The one read of the users database by the devices app (docs/consistency.md), and only when
    an administrator assigns a device.
    """
    account = user_selectors.account_get(user_id=owner_id)
    if account is None:
        raise ValidationError({"owner": [f"No account with id {owner_id}."]})
    if account.role != Role.CLIENT:
        raise ValidationError(
            {"owner": [f"{account.username} is an administrator; only a client can own a meter."]}
        )
    if not account.is_active:
        raise ValidationError(
            {"owner": [f"{account.username} is deactivated; only an active client owns meters."]}
        )


def _check_owner_not_deleted(owner_id: int) -> None:
    # Inside the transaction, after _lock_owner: the deletion may have been applied meanwhile.
    if OwnerAccount.objects.using("devices").filter(user_id=owner_id, deleted=True).exists():
        raise ValidationError({"owner": [f"No account with id {owner_id}."]})


def _save_and_publish(device: Device) -> Device:
    """Give the device a new version, save it and publish its state on commit."""
    device.version = _next_version()
    device.save(using="devices")
    owner = selectors.visible_owner_id(device=device)
    publish_device_changed(event=device_event(device=device, visible_owner_id=owner))
    return device


def device_create(
    *,
    description: str,
    max_hourly_kwh: Decimal,
    address: str = "",
    meter_kind: str = MeterKind.INDEX,
    owner_id: int | None = None,
    device_id: uuid.UUID | None = None,
) -> Device:
    """A new device; `device_id` for a real meter whose identifier is fixed, else a random one."""
    device = Device(
        description=description,
        address=address,
        max_hourly_kwh=max_hourly_kwh,
        meter_kind=meter_kind,
        owner_id=owner_id,
    )
    if device_id is not None:
        device.id = device_id
    device.full_clean(validate_unique=False)
    if owner_id is not None:
        device_owner_validate(owner_id=owner_id)
    try:
        with transaction.atomic(using="devices"):
            if owner_id is not None:
                _lock_owner(owner_id)
                _check_owner_not_deleted(owner_id)
            return _save_and_publish(device)
    except IntegrityError as error:
        raise ValidationError({"id": ["A device with this id already exists."]}) from error


def _locked(device: Device) -> Device:
    locked = Device.objects.using("devices").select_for_update().filter(pk=device.pk).first()
    if locked is None:
        raise Device.DoesNotExist("The device was deleted.")
    return locked


def device_update(*, device: Device, data: dict) -> Device:
    """Change the given fields (see EDITABLE_FIELDS); nothing changed means no new version."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    new_owner = data.get("owner_id")
    # Checked before any lock is taken (it reads the users database); again below if `device`
    # was stale and the owner turns out to change after all.
    checked = new_owner is not None and new_owner != device.owner_id
    if checked:
        device_owner_validate(owner_id=new_owner)
    with transaction.atomic(using="devices"):
        if new_owner is not None:
            _lock_owner(new_owner)  # before the row lock, in the same order as account events
        locked = _locked(device)
        changes = {field: value for field, value in data.items() if getattr(locked, field) != value}
        if not changes:
            return locked
        if changes.get("owner_id") is not None:
            if not checked:
                device_owner_validate(owner_id=new_owner)
            _check_owner_not_deleted(new_owner)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.full_clean(validate_unique=False)
        return _save_and_publish(locked)


def device_assign(*, device: Device, owner_id: int | None) -> Device:
    """Assign the device to a client (checked with the users app), or unassign it (None)."""
    return device_update(device=device, data={"owner_id": owner_id})


def device_unassign(*, device: Device) -> Device:
    return device_assign(device=device, owner_id=None)


def device_delete(*, device: Device) -> None:
    """Delete the device; monitoring gets a tombstone with a version newer than any before."""
    with transaction.atomic(using="devices"):
        locked = Device.objects.using("devices").select_for_update().filter(pk=device.pk).first()
        if locked is None:
            return
        owner = selectors.visible_owner_id(device=locked)
        locked.version = _next_version()
        # Not saved (the row goes), but the tombstone carries the time of the deletion.
        locked.updated_at = timezone.now()
        event = device_event(device=locked, visible_owner_id=owner, deleted=True)
        locked.delete()
        publish_device_changed(event=event)


def device_ingestion_token_issue(*, device: Device) -> str:
    """A new ingestion token, returned once; only its hash is kept. Replaces any older token."""
    token = INGESTION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(using="devices"):
        locked = _locked(device)
        locked.ingestion_token_hash = ingestion_token_hash(token)
        _save_and_publish(locked)
    return token


def device_ingestion_token_revoke(*, device: Device) -> None:
    with transaction.atomic(using="devices"):
        locked = _locked(device)
        if locked.ingestion_token_hash is None:
            return
        locked.ingestion_token_hash = None
        _save_and_publish(locked)


def device_owner_account_changed(
    *, user_id: int, is_active: bool, role: str, deleted: bool, version: int
) -> int:
    """Apply the users app's ACCOUNT_CHANGED event; returns how many devices changed.

    A deleted account's devices are unassigned. A deactivated account (or one that is no longer
    a client) keeps its devices, hidden from it and from monitoring until it is a client again.
    Idempotent and order-proof: a repeated or older event (by `version`) changes nothing.
    """
    with transaction.atomic(using="devices"):
        _lock_owner(user_id)
        account = OwnerAccount.objects.using("devices").filter(user_id=user_id).first()
        if account is not None and (account.deleted or version <= account.version):
            return 0  # deletion is final, and a stale event must not undo a newer one
        could_see = account is None or account.may_see_devices
        account = account or OwnerAccount(user_id=user_id)
        account.is_active, account.role, account.deleted = is_active, role, deleted
        account.version = version
        account.save(using="devices")
        if not deleted and could_see == account.may_see_devices:
            return 0
        devices = list(Device.objects.using("devices").select_for_update().filter(owner_id=user_id))
        for device in devices:
            if deleted:
                device.owner_id = None
            _save_and_publish(device)
    return len(devices)
