"""The users worker's tasks (queue `notifications`, users database only)."""

import logging
import smtplib
import socket

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

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
# Failures that say the mail server cannot be reached: the batch's other mails would each wait
# EMAIL_TIMEOUT for nothing (a hundred of them longer than the task's time limit).
# (Not OSError as such: every SMTPException is one, a refused address too.)
_SERVER_UNREACHABLE = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
)


# An alert whose mail fails goes on as its own `monitoring.alert_raised` task, retried alone as
# before: one owner's refused address must not hold back, or lose, the others' mail. Once the
# server cannot be reached, or the task's soft time limit comes, the rest go the same way
# untried. An alert the broker cannot take is logged with its payload (ems/publish.py's rule).
@shared_task(name=ALERTS_RAISED)
def alerts_raised(*, alerts: list[dict]) -> list[str]:
    done = []
    for position, alert in enumerate(alerts):
        try:
            done.append(_alert_mail(alert))
            continue
        except SoftTimeLimitExceeded:
            logger.warning("alert mails out of time: %s retried alone", len(alerts) - position)
            done += [_retry_alone(rest) for rest in alerts[position:]]
            return done
        except Exception as error:  # any failure: that alert goes on alone
            logger.warning("alert %s: mail failed (%r), retried alone", alert.get("id"), error)
            done.append(_retry_alone(alert))
            if isinstance(error, _SERVER_UNREACHABLE):
                done += [_retry_alone(rest) for rest in alerts[position + 1 :]]
                return done
    return done


def _retry_alone(alert: dict) -> str:
    try:
        alert_raised.apply_async(
            kwargs=alert, queue=NOTIFICATIONS_QUEUE, countdown=_RETRY_ALONE_SECONDS
        )
    except PUBLISH_ERRORS as error:
        logger.error("alert %s not retried (%r); payload=%r", alert.get("id"), error, alert)
        return "lost"
    return "retried alone"


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
