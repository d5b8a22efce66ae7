"""Log sign-ins (session and token) and failed attempts; never the password."""

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .lockout import address_failure_record

logger = logging.getLogger("ems.auth")


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs) -> None:
    logger.info("sign-in: user_id=%s username=%s", user.id, user.username)


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs) -> None:
    # `credentials` has the password masked by Django; only the username is logged.
    logger.info("sign-in attempt failed: username=%s", credentials.get("username", ""))
    if request is not None:
        address_failure_record(request=request)
