"""Celery tasks of the devices app: interfaces that parse their input and call services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ems.events import ACCOUNT_CHANGED

from . import services

logger = logging.getLogger(__name__)


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
