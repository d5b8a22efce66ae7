"""Celery tasks of the devices app: interfaces that parse their input and call services."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from ems.events import ACCOUNT_CHANGED

from . import services
from .reconciliation import devices_reconcile

logger = logging.getLogger(__name__)

# Sent by beat to the `devices` queue (CELERY_BEAT_SCHEDULE, `# --- reconcile ---`).
RECONCILE = "devices.reconcile"


@shared_task(
    name=ACCOUNT_CHANGED,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=10,
)
def account_changed(**event) -> None:
    """The users app's event: unassign a deleted account's devices, hide a deactivated one's."""
    try:
        user_id = int(event["user_id"])
        is_active = bool(event["is_active"])
        role = str(event["role"])
        deleted = bool(event.get("deleted", False))
        version = int(event["version"])
    except (KeyError, TypeError, ValueError) as error:
        # Not retried: the same event would fail the same way. Logged with its payload.
        logger.error("account event refused: %r; event=%r", error, event)
        return
    changed = services.device_owner_account_changed(
        user_id=user_id, is_active=is_active, role=role, deleted=deleted, version=version
    )
    logger.info("account event user %s: %s device(s) changed", user_id, changed)


@shared_task(name=RECONCILE)
def reconcile() -> dict:
    """Resend every device's state and the inventory of existing devices to monitoring.

    Not retried: the next period runs it again from the start.
    """
    result = devices_reconcile(chunk_size=settings.DEVICES_INVENTORY_CHUNK)
    return {"devices": result.devices, "inventories": result.inventories}
