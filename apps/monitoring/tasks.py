"""Celery tasks of the monitoring app: interfaces that parse their input and call services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ems.events import DEVICE_CHANGED

from .projection import InvalidDeviceEvent, device_projection_apply

logger = logging.getLogger(__name__)


@shared_task(
    name=DEVICE_CHANGED,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=10,
)
def device_changed(**event) -> None:
    try:
        applied = device_projection_apply(event=event)
    except InvalidDeviceEvent as error:
        # Not retried: the same event would fail the same way. Logged with its payload.
        logger.error("device event refused: %s; event=%r", error, event)
        return
    logger.info(
        "device event %s v%s %s",
        event.get("device_id"),
        event.get("version"),
        "applied" if applied else "ignored (not newer)",
    )
