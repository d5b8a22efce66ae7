"""A raised alert reaches its owner's mailbox: monitoring sends `monitoring.alerts_raised` after
the commit, a real worker on the `notifications` queue mails it to a real SMTP server."""

import datetime as dt

import pytest

from apps.monitoring.services import readings_ingest
from ems.vocabulary import Role
from tests.factories import create_user
from tests.smtp import free_port, mail_to_port, smtp_server
from tests.workers import celery_worker, wait_until

from .conftest import make_device, reading

H = dt.timedelta(hours=1)


@pytest.mark.django_db(transaction=True, databases=["default", "monitoring"])
def test_raised_alerts_are_mailed_to_their_owner_by_the_notifications_worker(settings, day):
    owner = create_user(role=Role.CLIENT, username="carol", name="Carol")
    owner.email, owner.timezone = "carol@example.com", "UTC"
    owner.save()
    device = make_device(max_hourly_kwh="1", owner_id=owner.pk)
    port = free_port()
    mail_to_port(settings, port)
    with smtp_server(port) as inbox, celery_worker("notifications"):
        # Two hours over the limit in one batch: one event, a mail for each.
        readings_ingest(
            raw_readings=[
                reading(device, day + 10 * H, 0),
                reading(device, day + 11 * H, 3),
                reading(device, day + 12 * H, 6),
            ]
        )
        assert wait_until(lambda: len(inbox.messages) == 2)
    assert {message["To"] for message in inbox.messages} == {"carol@example.com"}
    assert sorted(message["Subject"] for message in inbox.messages) == [
        f"EMS: test meter over its limit in the hour of {(day + hour * H):%Y-%m-%d %H:00}"
        for hour in (10, 11)
    ]
