"""Alert e-mail (monitoring.alert_raised -> the users worker): delivered to a real SMTP server on
localhost (aiosmtpd), as the owner chose, once per alert, with a signed unsubscribe link."""

import datetime as dt
import re
import smtplib

import pytest
from django.test import Client

from apps.users import tasks
from apps.users.models import AlertMail, SentMail
from apps.users.notifications import alert_notify, deferred_send, digests_send
from ems.celery import app as celery_app
from ems.events import ALERT_RAISED, NOTIFICATIONS_QUEUE
from tests.smtp import free_port, mail_to_port, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_port(settings):
    port = free_port()
    mail_to_port(settings, port)
    return port


@pytest.fixture
def inbox(smtp_port):
    with smtp_server(smtp_port) as received:
        yield received


# 10:00 UTC is 12:00 in Bucharest (winter).
NOW = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def owner(client_a):
    client_a.email = "alice@example.com"
    client_a.timezone = "Europe/Bucharest"
    client_a.save()
    return client_a


def _alert(owner, alert_id=1, **changes):
    return {
        "id": alert_id,
        "kind": "over_limit",
        "device": "4c361e27-c497-50f1-8d40-fcf11e8ff395",
        "description": "Kitchen meter",
        "owner": owner.pk,
        "hour_start": "2026-12-01T10:00:00+00:00",
        "kwh": 3.5,
        "max_hourly_kwh": 2.0,
        "state": "raised",
        **changes,
    }


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_it_mails_the_owner_at_once_naming_the_meter_and_the_local_hour(inbox, owner):
    assert tasks.alert_raised(**_alert(owner)) == "sent"
    [message] = inbox.messages
    assert message["To"] == "alice@example.com"
    assert "Kitchen meter" in message["Subject"]
    assert "2026-12-01 12:00" in message["Subject"]
    assert message["List-Unsubscribe"].strip().startswith("<http")


@pytest.mark.parametrize(
    ("kind", "changes", "subject", "line"),
    [
        (
            "over_limit",
            {},
            "EMS: Kitchen meter over its limit in the hour of 2026-12-01 12:00",
            "2026-12-01 12:00  Kitchen meter: over its limit (3.500 kWh, limit 2.000 kWh/h)",
        ),
        (
            "warning",
            {"kwh": 2.4},
            "EMS: Kitchen meter heading over its limit in the hour of 2026-12-01 12:00",
            "2026-12-01 12:00  Kitchen meter: heading over its limit (2.400 kWh projected, "
            "limit 2.000 kWh/h)",
        ),
        (
            # A silence is named by the last reading before it, to the minute.
            "silent",
            {"hour_start": "2026-12-01T10:33:00+00:00", "kwh": 0.0},
            "EMS: Kitchen meter silent since 2026-12-01 12:33",
            "2026-12-01 12:33  Kitchen meter: silent, no reading since",
        ),
    ],
)
def test_each_kind_of_alert_says_what_happened_and_when(inbox, owner, kind, changes, subject, line):
    assert tasks.alert_raised(**_alert(owner, kind=kind, **changes)) == "sent"
    [message] = inbox.messages
    # A long subject is folded on the wire (RFC 5322): unfolded, it reads as written.
    assert re.sub(r"\r?\n(?=[ \t])", "", message["Subject"]) == subject
    assert line in _body(message)


def test_it_mails_nothing_during_the_quiet_hours(inbox, owner):
    owner.quiet_hours_start, owner.quiet_hours_end = dt.time(22), dt.time(13)  # local 12:30
    owner.save()
    assert alert_notify(_alert(owner), now=NOW) == "deferred"
    assert inbox.messages == []
    owner.quiet_hours_end = dt.time(12)
    owner.save()
    assert alert_notify(_alert(owner, alert_id=2), now=NOW) == "sent"
    assert len(inbox.messages) == 1


def test_the_alerts_of_the_quiet_hours_are_mailed_together_once_when_they_end(inbox, owner):
    # Quiet 22:00-13:00 in Bucharest: 12:30 local is inside, 13:05 (11:05 UTC) is after.
    owner.quiet_hours_start, owner.quiet_hours_end = dt.time(22), dt.time(13)
    owner.save()
    night = _alert(owner, alert_id=11, hour_start="2026-12-01T02:00:00+00:00")
    morning = _alert(owner, alert_id=12, kind="silent", hour_start="2026-12-01T09:47:00+00:00")
    assert alert_notify(night, now=NOW) == "deferred"
    assert alert_notify(morning, now=NOW) == "deferred"
    assert alert_notify(morning, now=NOW) == "duplicate"  # the event delivered again
    assert deferred_send(now=NOW) == 0  # still quiet
    after = NOW + dt.timedelta(minutes=35)
    assert deferred_send(now=after) == 1
    assert deferred_send(now=after) == 0  # beat again: nothing twice
    [message] = inbox.messages
    assert message["Subject"] == "EMS: 2 alerts during your quiet hours"
    body = _body(message)
    assert "2026-12-01 04:00  Kitchen meter: over its limit (3.500 kWh" in body
    assert "2026-12-01 11:47  Kitchen meter: silent, no reading since" in body
    assert body.index("04:00") < body.index("11:47")


@pytest.mark.parametrize(
    ("preference", "state"), [(AlertMail.OFF, "skipped"), (AlertMail.DIGEST, "pending")]
)
def test_alerts_held_for_the_quiet_hours_follow_a_preference_changed_meanwhile(
    inbox, owner, preference, state
):
    owner.quiet_hours_start, owner.quiet_hours_end = dt.time(22), dt.time(13)
    owner.save()
    assert alert_notify(_alert(owner, alert_id=21), now=NOW) == "deferred"
    owner.alert_mail = preference
    owner.save()
    assert deferred_send(now=NOW + dt.timedelta(hours=1)) == 0
    assert inbox.messages == []
    assert SentMail.objects.get(key="alert:21").state == state


def test_it_mails_nothing_when_the_owner_turned_it_off(inbox, owner):
    owner.alert_mail = AlertMail.OFF
    owner.save()
    assert alert_notify(_alert(owner), now=NOW) == "skipped:off"
    assert inbox.messages == []


def test_it_mails_an_alert_once_when_the_event_is_delivered_again(inbox, owner):
    tasks.alert_raised(**_alert(owner))
    assert tasks.alert_raised(**_alert(owner)) == "duplicate"
    assert len(inbox.messages) == 1


def test_it_keeps_to_the_hourly_limit(inbox, owner, settings):
    settings.EMS_ALERT_MAILS_PER_HOUR = 2
    done = [alert_notify(_alert(owner, alert_id=n)) for n in range(1, 4)]
    assert done == ["sent", "sent", "skipped:hourly-limit"]
    assert len(inbox.messages) == 2


def test_it_sends_the_mail_again_after_the_server_refused_it_and_only_then(smtp_port, owner):
    # Nothing listens yet: the task fails (Celery retries it) and the mail is marked failed.
    with pytest.raises(ConnectionRefusedError):
        alert_notify(_alert(owner))
    assert SentMail.objects.get(key="alert:1").state == SentMail.State.FAILED
    with smtp_server(smtp_port) as inbox:
        assert alert_notify(_alert(owner)) == "sent"
        assert alert_notify(_alert(owner)) == "duplicate"
    assert len(inbox.messages) == 1


def test_the_alert_task_retries_on_smtp_errors():
    assert smtplib.SMTPException in tasks.alert_raised.autoretry_for


@pytest.fixture
def queued_alone():
    """The alerts sent on alone to the suite's own broker (emptied before and after)."""

    def take() -> list[dict]:
        alerts = []
        with celery_app.connection_for_write() as connection:
            while (
                message := connection.default_channel.basic_get(NOTIFICATIONS_QUEUE)
            ) is not None:
                assert message.headers["task"] == ALERT_RAISED
                alerts.append(message.decode()[1])
                message.ack()
        return alerts

    def purge() -> None:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(NOTIFICATIONS_QUEUE)

    purge()  # what earlier tests' alerts sent, with no worker to take it
    yield take
    purge()


def test_a_batch_of_alerts_mails_each_and_sends_a_failed_one_on_alone(
    smtp_port, owner, client_b, queued_alone
):
    client_b.email = "bob@example.com"
    client_b.save()
    refused, fine = _alert(client_b, alert_id=1), _alert(owner, alert_id=2)
    with smtp_server(smtp_port, refuse={"bob@example.com"}) as inbox:
        assert tasks.alerts_raised(alerts=[refused, fine]) == ["retried alone", "sent"]
    # The refused one did not hold back the other, and waits as its own task, retried alone.
    assert [message["To"] for message in inbox.messages] == ["alice@example.com"]
    assert queued_alone() == [refused]
    with smtp_server(smtp_port) as later:
        assert tasks.alert_raised(**refused) == "sent"
        assert tasks.alerts_raised(alerts=[refused, fine]) == ["duplicate", "duplicate"]
    assert [message["To"] for message in later.messages] == ["bob@example.com"]


def test_when_the_mail_server_cannot_be_reached_the_rest_go_on_alone_untried(
    smtp_port, owner, queued_alone
):
    alerts = [_alert(owner, alert_id=number) for number in (1, 2, 3)]
    # Nothing listens: each mail would wait for the server in vain.
    assert tasks.alerts_raised(alerts=alerts) == ["retried alone"] * 3
    assert SentMail.objects.get(key="alert:1").state == SentMail.State.FAILED
    assert not SentMail.objects.filter(key__in=["alert:2", "alert:3"]).exists()
    assert queued_alone() == alerts


def test_a_mail_claimed_by_a_worker_that_died_is_not_sent_again(inbox, owner):
    # At most once: the claim is committed before the SMTP conversation.
    SentMail.objects.create(key="alert:1", user=owner, state=SentMail.State.CLAIMED)
    assert alert_notify(_alert(owner)) == "duplicate"
    assert inbox.messages == []


def _unsubscribe_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/api/users/unsubscribe/\S+/)", _body(message)).group(1)


def test_the_unsubscribe_link_turns_alert_mail_off_without_signing_in(inbox, owner):
    tasks.alert_raised(**_alert(owner))
    path = _unsubscribe_path(inbox.messages[0])
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(path).status_code == 200
    owner.refresh_from_db()
    assert owner.alert_mail == AlertMail.IMMEDIATELY  # a link scanner's GET changes nothing
    assert browser.post(path).status_code == 200
    owner.refresh_from_db()
    assert owner.alert_mail == AlertMail.OFF
    assert tasks.alert_raised(**_alert(owner, alert_id=2)) == "skipped:off"


def test_a_tampered_unsubscribe_link_is_refused(inbox, owner, client_b):
    tasks.alert_raised(**_alert(owner))
    path = _unsubscribe_path(inbox.messages[0])
    token = path.split("/")[-2]
    value, signature = token.rsplit(":", 1)
    forged = path.replace(token, f"{value}:{signature[:-2]}xx")
    response = Client().post(forged)
    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.alert_mail == AlertMail.IMMEDIATELY


def test_the_daily_digest_lists_the_days_alerts_in_one_mail(inbox, owner):
    owner.alert_mail = AlertMail.DIGEST
    owner.save()
    assert tasks.alert_raised(**_alert(owner, alert_id=1)) == "pending"
    assert tasks.alert_raised(**_alert(owner, alert_id=1)) == "duplicate"
    second = _alert(owner, alert_id=2, kind="silent", description="Garage meter")
    second["hour_start"] = "2026-12-01T14:00:00+00:00"
    tasks.alert_raised(**second)
    assert inbox.messages == []
    assert digests_send(now=NOW) == 1
    [digest] = inbox.messages
    assert digest["Subject"] == "EMS: 2 alerts today"
    body = _body(digest)
    assert "2026-12-01 12:00  Kitchen meter: over its limit" in body
    assert "2026-12-01 16:00  Garage meter: silent" in body
    assert "/api/users/unsubscribe/" in body
    # Beat running twice, or the next day with nothing new, sends nothing more.
    assert digests_send(now=NOW) == 0
    assert digests_send(now=NOW + dt.timedelta(days=1)) == 0
    assert len(inbox.messages) == 1


def test_the_preference_is_read_and_changed_on_the_own_account_api(api_a, client_a):
    me = api_a.get("/api/users/me/").json()
    assert me["alert_mail"] == "immediately"
    assert me["quiet_hours_start"] is None
    response = api_a.patch(
        "/api/users/me/",
        {"alert_mail": "digest", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["alert_mail"] == "digest"
    client_a.refresh_from_db()
    assert (client_a.alert_mail, client_a.quiet_hours_start) == ("digest", dt.time(22))
    assert api_a.patch("/api/users/me/", {"alert_mail": "hourly"}).status_code == 400
