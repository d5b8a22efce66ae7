"""Celery tasks of the monitoring app: interfaces that parse their input and call services."""

import logging

import redis
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from ems.events import DEVICE_CHANGED, DEVICE_INVENTORY

from . import services
from .models import QuarantineReason
from .projection import (
    InvalidDeviceEvent,
    device_projection_apply,
    device_projection_apply_inventory,
)
from .validation import Rejection

logger = logging.getLogger(__name__)

DELETE_OLD_READINGS = "monitoring.delete_old_readings"
DATABASE_RETRIES = 5


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


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _count_delivery(task_id: str, attempt: int) -> int:
    """How many times this attempt of the task has started: >1 means a redelivery.

    A worker killed mid-batch cannot record anything, so the count is taken when a delivery
    starts, in Redis (keyed by task id and retry number, expiring after a day).
    """
    key = f"monitoring:deliveries:{task_id}:{attempt}"
    with _redis().pipeline() as pipeline:
        pipeline.incr(key)
        pipeline.expire(key, 86400)
        count, _ = pipeline.execute()
    return int(count)


def _quarantine_whole(readings: list, reason: str, detail: str, batch_id: str | None) -> None:
    try:
        services.readings_quarantine(
            rejections=[
                Rejection(reading, reason, detail, position)
                for position, reading in enumerate(readings)
            ],
            batch_id=batch_id,
        )
    except Exception:
        # Nowhere left to keep it: the log line carries the payload for a manual replay.
        logger.exception("could not quarantine batch (%s); readings=%r", reason, readings)
        raise


@shared_task(bind=True, name=services.INGEST_READINGS, max_retries=DATABASE_RETRIES)
def ingest_readings(self, readings: list) -> dict:
    """Ingest one batch (see services.readings_ingest); retried with backoff on database errors."""
    if not isinstance(readings, list):
        readings = [readings]
    deliveries = _count_delivery(self.request.id or "eager", self.request.retries)
    if deliveries > settings.MONITORING_MAX_DELIVERIES:
        logger.error("batch %s delivered %s times: quarantined", self.request.id, deliveries)
        _quarantine_whole(
            readings,
            QuarantineReason.REDELIVERY_LIMIT,
            f"delivered {deliveries} times",
            self.request.id,
        )
        return {"quarantined": len(readings)}
    try:
        result = services.readings_ingest(raw_readings=readings, batch_id=self.request.id)
    except (OperationalError, InterfaceError) as error:
        if self.request.retries >= DATABASE_RETRIES:
            _quarantine_whole(
                readings, QuarantineReason.DATABASE_ERROR, str(error)[:500], self.request.id
            )
            return {"quarantined": len(readings)}
        raise self.retry(exc=error, countdown=min(2**self.request.retries, 60)) from error
    except Exception as error:
        # A bug, not bad input (validation catches that): keep the batch rather than lose it.
        logger.exception("batch %s failed; quarantined whole", self.request.id)
        _quarantine_whole(
            readings, QuarantineReason.PROCESSING_ERROR, repr(error)[:500], self.request.id
        )
        return {"quarantined": len(readings)}
    return {
        "stored": result.stored,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "alerts": len(result.alerts),
    }


@shared_task(name=DELETE_OLD_READINGS)
def delete_old_readings() -> int:
    deleted = services.readings_delete_old()
    logger.info("retention: deleted %s raw readings", deleted)
    return deleted
