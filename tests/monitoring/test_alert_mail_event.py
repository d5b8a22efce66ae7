"""A raised alert reaches its owner's mailbox: monitoring sends `monitoring.alert_raised` after
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
def test_a_raised_alert_is_mailed_to_its_owner_by_the_notifications_worker(settings, day):
    owner = create_user(role=Role.CLIENT, username="carol", name="Carol")
    owner.email, owner.timezone = "carol@example.com", "UTC"
    owner.save()
    device = make_device(max_hourly_kwh="1", owner_id=owner.pk)
    port = free_port()
    mail_to_port(settings, port)
    with smtp_server(port) as inbox, celery_worker("notifications"):
        readings_ingest(
            raw_readings=[reading(device, day + 10 * H, 0), reading(device, day + 11 * H, 3)]
        )
        assert wait_until(lambda: len(inbox.messages) == 1)
    [message] = inbox.messages
    assert message["To"] == "carol@example.com"
    hour = (day + 10 * H).strftime("%Y-%m-%d %H:00")
    assert message["Subject"] == f"EMS: test meter over its limit in the hour of {hour}"
