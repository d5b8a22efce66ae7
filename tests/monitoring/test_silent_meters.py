"""A meter that sends nothing for more than MONITORING_SILENCE_INTERVALS nominal intervals raises
one `silent` alert per silence, resolved when its readings resume, pushed live both ways."""

import asyncio
import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.monitoring.alert_checks import alerts_check
from apps.monitoring.models import Alert, DeviceProjection
from apps.monitoring.services import readings_ingest
from ems.groups import ADMINS_GROUP, user_group

from .conftest import make_device, reading

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

M = dt.timedelta(minutes=1)
# The defaults: 3 nominal intervals of 10 minutes.
THRESHOLD = 30 * M


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.MONITORING_NOMINAL_INTERVAL_SECONDS = 600
    settings.MONITORING_SILENCE_INTERVALS = 3


def silent_alerts(device) -> list[Alert]:
    alerts = Alert.objects.using("monitoring").filter(device_id=device, kind="silent")
    return list(alerts.order_by("hour_start"))


def last_reading_at(device):
    return DeviceProjection.objects.using("monitoring").get(id=device).last_reading_at


@pytest.mark.parametrize(
    ("meter_kind", "silent_for", "alerts"),
    [
        ("index", THRESHOLD - M, 0),
        ("index", THRESHOLD, 0),  # exactly K intervals: not more than K
        ("index", THRESHOLD + dt.timedelta(seconds=1), 1),
        ("index", dt.timedelta(days=2), 1),
        ("interval", THRESHOLD + M, 1),
    ],
)
def test_it_raises_a_silent_alert_only_after_more_than_k_nominal_intervals(
    day, meter_kind, silent_for, alerts
):
    device = make_device(meter_kind=meter_kind)
    readings_ingest(raw_readings=[reading(device, day, 1), reading(device, day + 10 * M, 2)])
    alerts_check(now=day + 10 * M + silent_for)
    raised = silent_alerts(device)
    assert len(raised) == alerts
    if raised:
        assert (raised[0].hour_start, raised[0].state) == (day + 10 * M, "open")


def test_it_keeps_the_newest_reading_on_the_projection_whatever_the_order(day):
    device = make_device()
    readings_ingest(raw_readings=[reading(device, day + 20 * M, 3)])
    readings_ingest(raw_readings=[reading(device, day, 1), reading(device, day + 10 * M, 2)])
    assert last_reading_at(device) == day + 20 * M


def test_it_raises_one_alert_per_silence_however_often_it_checks(day):
    device = make_device()
    readings_ingest(raw_readings=[reading(device, day, 1)])
    for minutes in (31, 45, 90, 600):
        alerts_check(now=day + minutes * M)
    assert len(silent_alerts(device)) == 1


def test_readings_that_resume_resolve_the_silence_and_a_new_silence_is_a_new_alert(day):
    device = make_device()
    readings_ingest(raw_readings=[reading(device, day, 1)])
    alerts_check(now=day + 40 * M)
    result = readings_ingest(raw_readings=[reading(device, day + 50 * M, 2)])
    (first,) = silent_alerts(device)
    assert (first.state, first.resolved_at is not None) == ("resolved", True)
    assert [alert.id for alert in result.updated] == [first.id]
    alerts_check(now=day + 60 * M)
    assert len(silent_alerts(device)) == 1, "50 minutes + 10: not silent yet"
    alerts_check(now=day + 90 * M)
    assert [(a.hour_start, a.state) for a in silent_alerts(device)] == [
        (day, "resolved"),
        (day + 50 * M, "open"),
    ]


def test_a_late_reading_from_before_the_silence_neither_resolves_it_nor_moves_it(day):
    device = make_device()
    readings_ingest(raw_readings=[reading(device, day + 10 * M, 2)])
    alerts_check(now=day + 60 * M)
    readings_ingest(raw_readings=[reading(device, day, 1)])
    assert [a.state for a in silent_alerts(device)] == ["open"]
    assert last_reading_at(device) == day + 10 * M


def test_an_acknowledged_silence_is_resolved_too(day, api_admin):
    device = make_device()
    readings_ingest(raw_readings=[reading(device, day, 1)])
    alerts_check(now=day + 40 * M)
    (alert,) = silent_alerts(device)
    api_admin.post(f"/api/alerts/{alert.id}/acknowledge/", {"comment": "cable cut"}, format="json")
    readings_ingest(raw_readings=[reading(device, day + 50 * M, 2)])
    (alert,) = silent_alerts(device)
    assert (alert.state, alert.comment) == ("resolved", "cable cut")


def test_unassigned_deleted_and_never_heard_meters_are_not_silent(day):
    unassigned, deleted = make_device(owner_id=None), make_device()
    never = make_device()
    readings_ingest(raw_readings=[reading(unassigned, day, 1), reading(deleted, day, 1)])
    make_device(device_id=deleted, deleted=True)
    alerts_check(now=day + 300 * M)
    assert [silent_alerts(device) for device in (unassigned, deleted, never)] == [[], [], []]


def test_the_owner_sees_the_silent_alert_over_rest(day, api_a, api_b, client_a):
    device = make_device(owner_id=client_a.id)
    readings_ingest(raw_readings=[reading(device, day, 1)])
    alerts_check(now=day + 40 * M)
    (alert,) = api_a.get("/api/alerts/", {"kind": "silent"}).json()["results"]
    assert (alert["kind"], alert["device"], alert["hour_start"]) == (
        "silent",
        str(device),
        day.isoformat(),
    )
    assert alert["description"] == "test meter"
    assert api_b.get("/api/alerts/").json()["count"] == 0


async def _receive(channel_layer, channel, timeout=2):
    return await asyncio.wait_for(channel_layer.receive(channel), timeout)


def _listen(channel_layer, group):
    channel = async_to_sync(channel_layer.new_channel)()
    async_to_sync(channel_layer.group_add)(group, channel)
    return channel


def test_a_silence_and_its_end_are_pushed_to_the_owner_and_staff(
    day, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    owner, admins = _listen(layer, user_group(9101)), _listen(layer, ADMINS_GROUP)
    device = make_device(owner_id=9101)
    readings_ingest(raw_readings=[reading(device, day, 1)])
    with django_capture_on_commit_callbacks(execute=True, using="monitoring"):
        alerts_check(now=day + 40 * M)
    for channel in (owner, admins):
        message = async_to_sync(_receive)(layer, channel)
        assert message["type"] == "alert.created"
        assert (message["alert"]["kind"], message["alert"]["state"]) == ("silent", "open")
    with django_capture_on_commit_callbacks(execute=True, using="monitoring"):
        readings_ingest(raw_readings=[reading(device, day + 50 * M, 2)])
    for channel in (owner, admins):
        message = async_to_sync(_receive)(layer, channel)
        assert message["type"] == "alert.updated"
        assert (message["alert"]["kind"], message["alert"]["state"]) == ("silent", "resolved")


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_beats_check_raises_the_silent_alert_on_a_real_worker():
    from django.conf import settings as django_settings

    from ems.celery import app
    from ems.events import EVENTS_QUEUE
    from tests.workers import celery_worker, wait_until

    device = make_device()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    readings_ingest(raw_readings=[reading(device, long_ago, 1)])
    with celery_worker(EVENTS_QUEUE):
        check = django_settings.CELERY_BEAT_SCHEDULE["monitoring-alert-checks"]
        app.send_task(check["task"], **check["options"])
        assert wait_until(lambda: len(silent_alerts(device)) == 1)
