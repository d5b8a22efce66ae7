"""The users worker's tasks (queue `notifications`, users database only)."""

import logging
import smtplib

from celery import shared_task

from ems.events import (
    ALERT_DEFERRED,
    ALERT_DIGEST,
    ALERT_RAISED,
    ALERTS_RAISED,
    NOTIFICATIONS_QUEUE,
)
from ems.publish import PUBLISH_ERRORS

from .notifications import alert_notify, deferred_send, digests_send

logger = logging.getLogger(__name__)


# SMTP errors and an unreachable server are retried; the mail's record keeps a retry from
# sending what was already accepted (apps/users/notifications.py).
_ALERT_MAIL_RETRIES = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


def _alert_mail(alert: dict) -> str:
    done = alert_notify(alert)
    logger.info("alert %s: mail %s", alert.get("id"), done)
    return done


@shared_task(name=ALERT_RAISED, **_ALERT_MAIL_RETRIES)
def alert_raised(**alert) -> str:
    return _alert_mail(alert)


_RETRY_ALONE_SECONDS = _ALERT_MAIL_RETRIES["retry_backoff"]


# An alert whose mail fails goes on as its own `monitoring.alert_raised` task, retried alone as
# before: one owner's refused address must not hold back, or lose, the others' mail. Retried
# whole only if the broker cannot take that task (the mails already sent are recorded).
@shared_task(name=ALERTS_RAISED, autoretry_for=PUBLISH_ERRORS, retry_backoff=5, max_retries=8)
def alerts_raised(*, alerts: list[dict]) -> list[str]:
    done = []
    for alert in alerts:
        try:
            done.append(_alert_mail(alert))
        except Exception as error:  # any failure: that alert goes on alone
            logger.warning("alert %s: mail failed (%r), retried alone", alert.get("id"), error)
            alert_raised.apply_async(
                kwargs=alert, queue=NOTIFICATIONS_QUEUE, countdown=_RETRY_ALONE_SECONDS
            )
            done.append("retried alone")
    return done


@shared_task(
    name=ALERT_DIGEST,
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=8,
    retry_backoff=60,
)
def alert_digest() -> int:
    return digests_send()


@shared_task(
    name=ALERT_DEFERRED,
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=8,
    retry_backoff=60,
)
def alert_deferred() -> int:
    return deferred_send()
