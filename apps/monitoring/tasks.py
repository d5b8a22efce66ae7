"""Celery tasks of the monitoring app: interfaces that parse their input and call services."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from ems.events import DEVICE_CHANGED, DEVICE_INVENTORY

from . import services, wakeups
from .alert_checks import alerts_check
from .projection import (
    InvalidDeviceEvent,
    device_projection_apply,
    device_projection_apply_inventory,
)

logger = logging.getLogger(__name__)

DELETE_OLD_READINGS = "monitoring.delete_old_readings"
CHECK_ALERTS = "monitoring.check_alerts"


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


@shared_task(
    name=DEVICE_INVENTORY,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=10,
)
def device_inventory(**event) -> None:
    """The devices that exist in a range of ids: the others of that range were deleted."""
    try:
        marked = device_projection_apply_inventory(event=event)
    except InvalidDeviceEvent as error:
        # Not retried: the same event would fail the same way. Logged without the id list.
        logger.error("inventory event refused: %s", error)
        return
    level = logging.WARNING if marked else logging.INFO
    logger.log(
        level,
        "inventory at version %s (%s device(s)): %s device(s) marked deleted",
        event.get("max_version"),
        len(event.get("device_ids") or ()),
        marked,
    )


@shared_task(name=services.DRAIN_INBOX)
def drain_inbox() -> dict:
    """Ingest what waits in the inbox (a wake-up: the batches themselves are in PostgreSQL).

    Never retried and never failing a batch: a batch the database could not take stays in the
    inbox, and the next wake-up or the periodic sweep takes it again.
    """
    wakeups.drain_started()
    try:
        result = services.inbox_drain(seconds=settings.MONITORING_DRAIN_SECONDS)
    except services.ENVIRONMENT_ERRORS as error:
        logger.warning("inbox drain stopped, the batches stay in the inbox: %r", error)
        return {"stopped": repr(error)[:200]}
    if result.batches:
        logger.info(
            "inbox: %s batch(es), %s reading(s), %s quarantined",
            result.batches,
            result.readings,
            result.quarantined_batches,
        )
    return {"batches": result.batches, "readings": result.readings}


@shared_task(name=DELETE_OLD_READINGS)
def delete_old_readings() -> dict:
    """Retention: drop the raw readings' expired monthly partitions, make the coming ones."""
    result = services.readings_delete_old()
    logger.info(
        "retention: dropped %s partition(s) %s, deleted %s old row(s) of the default partition",
        len(result.partitions_dropped),
        ", ".join(result.partitions_dropped),
        result.default_rows_deleted,
    )
    return {
        "partitions_dropped": result.partitions_dropped,
        "default_rows_deleted": result.default_rows_deleted,
    }


@shared_task(name=CHECK_ALERTS)
def check_alerts() -> dict:
    """Silent meters and warnings (beat). Not retried: the next run does the same work."""
    result = alerts_check()
    if result.raised or result.updated:
        logger.info("alert checks: %s raised, %s settled", len(result.raised), len(result.updated))
    return {"raised": len(result.raised), "updated": len(result.updated)}
