"""E-mail about alerts: the users side of monitoring's `monitoring.alert_raised` event.

Monitoring never reads the users database: it sends the alert (its REST payload) by task name,
and this module decides from the owner's preference, quiet hours and hourly limit whether a mail
goes out now, waits for the daily digest, or not at all (docs/monitoring.md, "E-mail
notifications").

Delivery is at most once per alert: the mail's row is claimed (committed) before the SMTP
conversation. A redelivered event finds the row and sends nothing; an SMTP error marks the row
`failed` so the task's retry may claim it again; a worker that dies after the claim leaves it
`claimed`, and that mail is lost rather than sent twice.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AlertMail, SentMail, User

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "ems.users.unsubscribe"


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"user": user.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(token: str) -> int | None:
    """The account a token was made for, or None if it was tampered with."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["user"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(user: User) -> str:
    return f"{settings.EMS_PUBLIC_URL.rstrip('/')}/api/users/unsubscribe/{unsubscribe_token(user)}/"


def in_quiet_hours(user: User, now: dt.datetime) -> bool:
    start, end = user.quiet_hours_start, user.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    local = now.astimezone(ZoneInfo(user.timezone)).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 22:00-07:00


def _local(user: User, iso: str, pattern: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(ZoneInfo(user.timezone)).strftime(pattern)


def _meter(alert: dict) -> str:
    return alert.get("description") or alert["device"]


def _when(user: User, alert: dict) -> str:
    """The alert's moment in the person's zone: its hour, or for a silent meter the minute of the
    last reading it sent (a silent alert's `hour_start`)."""
    if alert["kind"] == "silent":
        return _local(user, alert["hour_start"], "%Y-%m-%d %H:%M")
    return _local(user, alert["hour_start"], "%Y-%m-%d %H:00")


def alert_subject(user: User, alert: dict) -> str:
    meter, when = _meter(alert), _when(user, alert)
    if alert["kind"] == "silent":
        return f"EMS: {meter} silent since {when}"
    if alert["kind"] == "warning":
        return f"EMS: {meter} heading over its limit in the hour of {when}"
    return f"EMS: {meter} over its limit in the hour of {when}"


def _line(user: User, alert: dict) -> str:
    meter, when = _meter(alert), _when(user, alert)
    if alert["kind"] == "silent":
        return f"{when}  {meter}: silent, no reading since"
    limit = f"limit {alert['max_hourly_kwh']:.3f} kWh/h"
    if alert["kind"] == "warning":
        return (
            f"{when}  {meter}: heading over its limit ({alert['kwh']:.3f} kWh projected, {limit})"
        )
    return f"{when}  {meter}: over its limit ({alert['kwh']:.3f} kWh, {limit})"


def _message(user: User, subject: str, lines: list[str]) -> EmailMessage:
    link = unsubscribe_url(user)
    body = "\n".join(
        [f"Hello {user.name or user.username},", "", *lines, "", f"No more alert e-mail: {link}"]
    )
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _claim(*, key: str, user: User, alert: dict | None, state: str) -> SentMail | None:
    """Record the mail before it is sent; None if it was recorded already (and not failed)."""
    try:
        with transaction.atomic(using="default"):
            return SentMail.objects.using("default").create(
                key=key, user=user, alert=alert, state=state
            )
    except IntegrityError:
        pass
    # Only a mail the SMTP server refused is claimed again (the task's retry).
    claimed = (
        SentMail.objects.using("default")
        .filter(key=key, state=SentMail.State.FAILED)
        .update(state=SentMail.State.CLAIMED)
    )
    return SentMail.objects.using("default").get(key=key) if claimed else None


def _send(record: SentMail, message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:
        SentMail.objects.using("default").filter(pk=record.pk).update(state=SentMail.State.FAILED)
        raise
    SentMail.objects.using("default").filter(pk=record.pk).update(
        state=SentMail.State.SENT, sent_at=timezone.now()
    )


def alert_notify(alert: dict, *, now: dt.datetime | None = None) -> str:
    """Act on one raised alert; returns what was done (sent, pending, skipped:<why>, duplicate).

    Raises the SMTP error if the server refused the mail (the task retries)."""
    now = now or timezone.now()
    user = User.objects.using("default").filter(pk=alert.get("owner"), is_active=True).first()
    if user is None or not user.email:
        return "skipped:no-address"
    key = f"alert:{alert['id']}"
    why = None
    if user.alert_mail == AlertMail.OFF:
        why = "off"
    elif user.alert_mail == AlertMail.DIGEST:
        return (
            "pending"
            if _claim(key=key, user=user, alert=alert, state=SentMail.State.PENDING)
            else "duplicate"
        )
    elif in_quiet_hours(user, now):
        # Not now, and not never: the alerts of the quiet hours go out in one mail when they end.
        return (
            "deferred"
            if _claim(key=key, user=user, alert=alert, state=SentMail.State.DEFERRED)
            else "duplicate"
        )
    else:
        recent = SentMail.objects.using("default").filter(
            user=user,
            key__startswith="alert:",
            state__in=[SentMail.State.CLAIMED, SentMail.State.SENT],
            created_at__gte=now - dt.timedelta(hours=1),
        )
        if recent.count() >= settings.EMS_ALERT_MAILS_PER_HOUR:
            why = "hourly-limit"
    if why:
        _claim(key=key, user=user, alert=alert, state=SentMail.State.SKIPPED)
        return f"skipped:{why}"
    record = _claim(key=key, user=user, alert=alert, state=SentMail.State.CLAIMED)
    if record is None:
        return "duplicate"
    _send(record, _message(user, alert_subject(user, alert), [_line(user, alert)]))
    return "sent"


def _waiting(state: str):
    """(person, their mail records in `state`) for each person who has any."""
    user_ids = (
        SentMail.objects.using("default")
        .filter(state=state)
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user in User.objects.using("default").filter(pk__in=list(user_ids)):
        yield user, SentMail.objects.using("default").filter(user=user, state=state)


def _list_send(user: User, waiting, *, key: str, subject: str) -> bool:
    """One mail listing the alerts of `waiting` (oldest first), claimed under `key` first; the
    records are then marked as gone out. False if that mail was claimed already."""
    records = list(waiting.order_by("created_at", "pk"))
    record = _claim(key=key, user=user, alert=None, state=SentMail.State.CLAIMED)
    if record is None:
        return False
    count = len(records)
    subject = subject.format(count=count, s="s" if count != 1 else "")
    _send(record, _message(user, subject, [_line(user, mail.alert) for mail in records]))
    waiting.filter(pk__in=[mail.pk for mail in records]).update(state=SentMail.State.DIGESTED)
    return True


def digests_send(*, now: dt.datetime | None = None) -> int:
    """One mail per person with pending alerts: the alerts raised since their last digest.

    Keyed by person and UTC date: beat running twice on a day sends one digest."""
    now = now or timezone.now()
    sent = 0
    for user, pending in _waiting(SentMail.State.PENDING):
        if user.alert_mail != AlertMail.DIGEST or not user.email or not user.is_active:
            pending.update(state=SentMail.State.SKIPPED)
            continue
        key = f"digest:{user.pk}:{now.date().isoformat()}"
        sent += _list_send(user, pending, key=key, subject="EMS: {count} alert{s} today")
    return sent


def deferred_send(*, now: dt.datetime | None = None) -> int:
    """One mail per person whose quiet hours are over, listing the alerts raised in them.

    Keyed by the first of those alerts' records: beat running twice, or a retry, sends it once.
    A person who meanwhile chose the digest gets them in it; one who chose `off` gets nothing."""
    now = now or timezone.now()
    sent = 0
    for user, waiting in _waiting(SentMail.State.DEFERRED):
        if not user.is_active or not user.email or user.alert_mail == AlertMail.OFF:
            waiting.update(state=SentMail.State.SKIPPED)
            continue
        if user.alert_mail == AlertMail.DIGEST:
            waiting.update(state=SentMail.State.PENDING)
            continue
        if in_quiet_hours(user, now):
            continue
        first = waiting.order_by("created_at", "pk").values_list("pk", flat=True)[0]
        subject = "EMS: {count} alert{s} during your quiet hours"
        sent += _list_send(user, waiting, key=f"quiet:{user.pk}:{first}", subject=subject)
    return sent
