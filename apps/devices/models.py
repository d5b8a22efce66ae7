"""Meters (devices) and what the devices app knows of the accounts that own them."""

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ems.vocabulary import MeterKind, Role

# A meter's limit is a positive energy per hour. The upper bound (10 MWh in one hour) is far above
# any household or small business; a larger value is a typing mistake, not a meter.
MIN_HOURLY_KWH = Decimal("0.001")
MAX_HOURLY_KWH = Decimal("10000")
# The version of every change comes from this PostgreSQL sequence (migration 0001), so it grows
# across deletes and re-creations of one id, not only within one row's life.
VERSION_SEQUENCE = "devices_device_version_seq"
# Every draw from the sequence holds this advisory lock shared until its transaction ends; the
# inventory of the reconciliation takes it exclusively, so when it draws its own version every
# smaller version belongs to a finished transaction (apps/devices/reconciliation.py). Two int4
# keys: a key space apart from the single-bigint locks taken per owner account.
VERSION_LOCK = (0x454D53, 1)


class Device(models.Model):
    """A smart meter. Its `id` is the identifier the meter sends with every reading."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    description = models.CharField(max_length=200)
    address = models.CharField(max_length=255, blank=True)
    max_hourly_kwh = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(MIN_HOURLY_KWH), MaxValueValidator(MAX_HOURLY_KWH)],
        help_text="Maximum hourly energy consumption in kWh; an hour above it raises an alert.",
    )
    meter_kind = models.CharField(max_length=10, choices=MeterKind.choices, default=MeterKind.INDEX)
    # The client's user id in the users database: a plain indexed column, no foreign key across
    # databases, eventually consistent with the users database (docs/consistency.md).
    owner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # SHA-256 hex digest of the device's ingestion token; the token itself is never stored.
    ingestion_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Grows with every committed change; monitoring's projection keeps the newest version it saw.
    version = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["description", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_hourly_kwh__gt=0), name="device_max_hourly_kwh_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.description or str(self.id)


class OwnerAccount(models.Model):
    """The devices app's copy of an account's state, kept from the users app's events.

    Only accounts the devices app has heard of have a row; an account without one is taken as an
    active client (assignment checks that against the users database first). A deleted account's
    row is kept as a tombstone so a late assignment to it is refused.
    """

    user_id = models.BigIntegerField(primary_key=True)
    is_active = models.BooleanField(default=True)
    role = models.CharField(max_length=10, default=Role.CLIENT)
    deleted = models.BooleanField(default=False)
    # The version of the newest account event applied (the users app's event sequence).
    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "devices_owner_account"

    def __str__(self) -> str:
        return f"account {self.user_id}"

    @property
    def may_see_devices(self) -> bool:
        """Whether the account's devices are visible to it (kept assigned either way)."""
        return self.is_active and self.role == Role.CLIENT and not self.deleted
