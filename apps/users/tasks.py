"""The users worker's tasks (queue `notifications`, users database only)."""

import logging
import smtplib

from celery import shared_task

from ems.events import ALERT_DEFERRED, ALERT_DIGEST, ALERT_RAISED, ALERTS_RAISED

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


# Retried whole, like one alert: the mails already sent are recorded, so a retry sends only the
# one the server refused and those after it (alert_notify answers "duplicate" for the others).
@shared_task(name=ALERTS_RAISED, **_ALERT_MAIL_RETRIES)
def alerts_raised(*, alerts: list[dict]) -> list[str]:
    return [_alert_mail(alert) for alert in alerts]


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
