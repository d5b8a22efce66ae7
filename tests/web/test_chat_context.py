""" "Ask about this": the chat gets a message with a reference card read by the server; staff
start conversations with any client; read marks come back after a reload."""

import pytest

from apps.chat import services as chat_services
from apps.chat.models import Conversation, Message
from apps.monitoring.models import Alert
from tests.factories import api_client_for, signed_in
from tests.web.meters import assigned_meter_in_transaction, ingest, last_full_hour

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring", "chat"])


@pytest.fixture
def alert_of_a(client_a):
    client_a.timezone = "UTC"
    client_a.save()
    meter = assigned_meter_in_transaction(client_a, description="Workshop meter")
    ingest(meter, last_full_hour(), 100.0, 101.0, 103.5)  # 3.5 kWh against 2
    return Alert.objects.using("monitoring").get(device_id=meter.id)


def _only_message(client):
    return Message.objects.using("chat").get(conversation__client_id=client.id)


def test_asking_about_an_alert_posts_a_card_with_the_servers_figures(client_a, alert_of_a):
    response = signed_in(client_a).post(
        "/chat/ask/", {"alert": alert_of_a.id, "question": "Why so high?"}
    )
    assert response["Location"] == "/chat/"
    message = _only_message(client_a)
    assert message.body == "Why so high?"
    reference = message.reference
    assert reference["kind"] == "alert"
    assert reference["device_id"] == str(alert_of_a.device_id)
    assert reference["device_name"] == "Workshop meter"
    assert reference["kwh"] == pytest.approx(3.5)
    assert reference["max_hourly_kwh"] == 2.0
    day = last_full_hour().date().isoformat()
    assert reference["client_url"] == f"/devices/{alert_of_a.device_id}/?date={day}"
    assert reference["support_url"] == f"/staff/devices/{alert_of_a.device_id}/?date={day}"
    assert reference["period"].startswith(f"{day} {last_full_hour():%H}:00-")


def test_asking_about_a_day_totals_that_day(client_a, alert_of_a):
    day = last_full_hour().date().isoformat()
    signed_in(client_a).post("/chat/ask/", {"device": alert_of_a.device_id, "date": day})
    message = _only_message(client_a)
    assert message.reference["kind"] == "day"
    assert message.reference["kwh"] == pytest.approx(3.5)
    assert "Workshop meter" in message.body


def test_the_card_reaches_both_sides_over_rest(client_a, admin, alert_of_a):
    signed_in(client_a).post("/chat/ask/", {"alert": alert_of_a.id})
    conversation = Conversation.objects.using("chat").get(client_id=client_a.id)
    for person in (client_a, admin):
        page = api_client_for(person).get(f"/api/chat/conversations/{conversation.id}/messages/")
        (message,) = page.json()["results"]
        assert message["reference"]["kind"] == "alert"
        assert message["reference"]["kwh"] == pytest.approx(3.5)


def test_nobody_asks_about_another_clients_meter_or_alert(client_b, alert_of_a):
    browser = signed_in(client_b)
    assert browser.post("/chat/ask/", {"alert": alert_of_a.id}).status_code == 404
    assert browser.post("/chat/ask/", {"device": alert_of_a.device_id}).status_code == 404
    assert browser.post("/chat/ask/", {"device": "not-a-uuid"}).status_code == 404
    assert not Message.objects.using("chat").exists()


def test_staff_are_sent_to_their_chat(admin, alert_of_a):
    response = signed_in(admin).post("/chat/ask/", {"alert": alert_of_a.id})
    assert response["Location"] == "/staff/chat/"
    assert not Message.objects.using("chat").exists()


def test_staff_start_a_conversation_with_a_client_who_never_wrote(admin, client_a):
    response = signed_in(admin).get(f"/staff/chat/?client={client_a.id}")
    conversation = Conversation.objects.using("chat").get(client_id=client_a.id)
    assert conversation.client_name == "Alice Client"
    assert f'data-open-conversation="{conversation.id}"' in response.content.decode()
    listed = api_client_for(admin).get("/api/chat/conversations/").json()["results"]
    assert [row["client_id"] for row in listed] == [client_a.id]


def test_staff_cannot_start_a_conversation_with_an_administrator(admin):
    assert signed_in(admin).get(f"/staff/chat/?client={admin.id}").status_code == 404


def test_the_other_sides_read_position_comes_with_the_history(client_a, admin):
    conversation = chat_services.conversation_open_for_client(
        client_id=client_a.id, client_name=client_a.name
    )
    question = chat_services.message_send(
        conversation_id=conversation.id,
        sender_id=client_a.id,
        sender_name=client_a.name,
        sender_role="client",
        body="Hello?",
    )
    chat_services.read_state_advance(
        conversation_id=conversation.id,
        reader_id=admin.id,
        reader_name=admin.name,
        reader_role="admin",
        message_id=question.id,
    )
    path = f"/api/chat/conversations/{conversation.id}/messages/"
    assert api_client_for(client_a).get(path).json()["other_side_read_up_to"] == question.id
    assert api_client_for(admin).get(path).json()["other_side_read_up_to"] == 0
