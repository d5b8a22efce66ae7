"""Acknowledging an alert from its reference card in the chat acknowledges it and posts a line
in that conversation, pushed live to both sides."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.chat.broadcast import conversation_group
from apps.chat.models import Conversation, Message
from apps.monitoring.models import Alert, AlertState
from tests.factories import api_client_for, signed_in
from tests.sockets import fresh_channel_layer  # noqa: F401
from tests.web.meters import assigned_meter_in_transaction, ingest, last_full_hour

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring", "chat"])


@pytest.fixture
def asked_alert(client_a):
    """An alert of Alice's workshop meter, asked about in her conversation (its card)."""
    client_a.timezone = "UTC"
    client_a.save()
    meter = assigned_meter_in_transaction(client_a, description="Workshop meter")
    ingest(meter, last_full_hour(), 100.0, 101.0, 103.5)
    alert = Alert.objects.using("monitoring").get(device_id=meter.id)
    signed_in(client_a).post("/chat/ask/", {"alert": alert.id})
    conversation = Conversation.objects.using("chat").get(client_id=client_a.id)
    return conversation, alert


def _url(conversation, alert) -> str:
    return f"/chat/{conversation.id}/alerts/{alert.id}/acknowledge/"


def _lines(conversation) -> list[str]:
    messages = Message.objects.using("chat").filter(
        conversation=conversation, reference__isnull=True
    )
    return list(messages.order_by("id").values_list("body", flat=True))


def _state(alert) -> str:
    return Alert.objects.using("monitoring").get(id=alert.id).state


def test_the_card_carries_the_alerts_id(asked_alert):
    conversation, alert = asked_alert
    card = Message.objects.using("chat").get(conversation=conversation)
    assert card.reference["alert_id"] == alert.id


def test_the_card_over_rest_carries_the_alerts_id_for_both_sides(client_a, admin, asked_alert):
    conversation, alert = asked_alert
    for person in (client_a, admin):
        page = api_client_for(person).get(f"/api/chat/conversations/{conversation.id}/messages/")
        (message,) = page.json()["results"]
        assert message["reference"]["alert_id"] == alert.id


def test_staff_acknowledge_from_the_card_and_a_line_is_posted(admin, asked_alert):
    conversation, alert = asked_alert
    response = signed_in(admin).post(_url(conversation, alert))
    assert response.status_code == 200
    assert response.json() == {"acknowledged": True, "state": "acknowledged"}
    assert _state(alert) == AlertState.ACKNOWLEDGED
    hour = last_full_hour()
    period = f"{hour:%Y-%m-%d %H:%M}-{hour + dt.timedelta(hours=1):%H:%M} (UTC)"
    assert _lines(conversation) == [
        f"Alert of Workshop meter at {period} acknowledged by Ada Admin."
    ]


def test_the_client_acknowledges_their_own_alert_from_the_card(client_a, asked_alert):
    conversation, alert = asked_alert
    response = signed_in(client_a).post(_url(conversation, alert))
    assert response.json()["acknowledged"] is True
    assert _state(alert) == AlertState.ACKNOWLEDGED
    (line,) = _lines(conversation)
    assert line.endswith("acknowledged by Alice Client.")
    assert Message.objects.using("chat").get(body=line).sender_role == "client"


def test_acknowledging_twice_posts_one_line(admin, client_a, asked_alert):
    conversation, alert = asked_alert
    signed_in(admin).post(_url(conversation, alert))
    again = signed_in(client_a).post(_url(conversation, alert))
    assert again.json() == {"acknowledged": False, "state": "acknowledged"}
    assert len(_lines(conversation)) == 1


def test_nobody_acknowledges_through_someone_elses_conversation(client_b, asked_alert):
    conversation, alert = asked_alert
    response = signed_in(client_b).post(_url(conversation, alert))
    assert response.status_code == 404
    assert _state(alert) == AlertState.OPEN
    assert _lines(conversation) == []


def test_only_an_alert_whose_card_is_in_the_conversation_is_acknowledged(admin, asked_alert):
    conversation, alert = asked_alert
    Message.objects.using("chat").filter(conversation=conversation).delete()
    response = signed_in(admin).post(_url(conversation, alert))
    assert response.status_code == 404
    assert _state(alert) == AlertState.OPEN


@pytest.mark.usefixtures("fresh_channel_layer")
def test_the_line_is_pushed_to_the_conversations_sockets(
    admin, asked_alert, django_capture_on_commit_callbacks
):
    conversation, alert = asked_alert
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(conversation_group(conversation.id), channel)
    with django_capture_on_commit_callbacks(using="chat", execute=True):
        signed_in(admin).post(_url(conversation, alert))
    event = async_to_sync(layer.receive)(channel)
    assert event["type"] == "chat.message"
    assert event["message"]["body"].endswith("acknowledged by Ada Admin.")
    assert event["message"]["sender"]["role"] == "admin"
