"""Chat over REST: conversation lists with unread counts, paged history, who may read what."""

import pytest

from apps.chat import services
from apps.chat.models import Conversation
from tests.factories import create_user

pytestmark = pytest.mark.django_db(databases=["default", "chat"])


def _conversation_of(user) -> Conversation:
    return services.conversation_open_for_client(client_id=user.id, client_name=user.name)


def _say(conversation: Conversation, user, body: str) -> int:
    message = services.message_send(
        conversation_id=conversation.id,
        sender_id=user.id,
        sender_name=user.name,
        sender_role=user.role,
        body=body,
    )
    return message.id


def _read(conversation: Conversation, user, message_id: int) -> None:
    services.read_state_advance(
        conversation_id=conversation.id,
        reader_id=user.id,
        reader_name=user.name,
        reader_role=user.role,
        message_id=message_id,
    )


@pytest.fixture
def chats(client_a, client_b, admin):
    """A asked twice and got one answer; B asked once."""
    conversation_a, conversation_b = _conversation_of(client_a), _conversation_of(client_b)
    _say(conversation_a, client_a, "first from A")
    _say(conversation_a, admin, "answer to A")
    _say(conversation_a, client_a, "second from A")
    _say(conversation_b, client_b, "from B")
    return conversation_a, conversation_b


def test_anonymous_callers_are_refused(anonymous_api, chats):
    assert anonymous_api.get("/api/chat/conversations/").status_code == 401
    conversation_a, _ = chats
    url = f"/api/chat/conversations/{conversation_a.id}/messages/"
    assert anonymous_api.get(url).status_code == 401


def test_a_client_lists_only_their_own_conversation_with_unread_count(api_a, chats, client_a):
    conversation_a, _ = chats
    body = api_a.get("/api/chat/conversations/").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == conversation_a.id
    assert row["client_id"] == client_a.id
    assert row["client_name"] == "Alice Client"
    assert row["unread_count"] == 1  # the administrator's answer
    assert row["last_message"]["body"] == "second from A"
    assert row["last_message"]["sender"]["role"] == "client"


def test_an_admin_lists_every_conversation_newest_activity_first(api_admin, chats):
    conversation_a, conversation_b = chats
    silent = _conversation_of(create_user(name="Silent Client"))
    rows = api_admin.get("/api/chat/conversations/").json()["results"]
    assert [row["id"] for row in rows] == [conversation_b.id, conversation_a.id, silent.id]
    assert rows[2]["last_message"] is None
    rows = rows[:2]
    assert {row["id"]: row["unread_count"] for row in rows} == {
        conversation_a.id: 2,
        conversation_b.id: 1,
    }


def test_reading_lowers_the_unread_count(api_admin, chats, admin, client_a):
    conversation_a, _ = chats
    first = conversation_a.messages.using("chat").order_by("id").first()
    _read(conversation_a, admin, first.id)
    rows = api_admin.get("/api/chat/conversations/").json()["results"]
    row = next(row for row in rows if row["id"] == conversation_a.id)
    assert row["unread_count"] == 1
    assert row["last_read_message_id"] == first.id


def test_history_is_newest_last_with_names_and_roles(api_a, chats, admin):
    conversation_a, _ = chats
    body = api_a.get(f"/api/chat/conversations/{conversation_a.id}/messages/").json()
    assert body["count"] == 3
    assert [m["body"] for m in body["results"]] == ["first from A", "answer to A", "second from A"]
    assert body["results"][1]["sender"] == {"id": admin.id, "name": "Ada Admin", "role": "admin"}
    assert body["next"] is None
    assert body["previous"] is None


def test_history_pages_backwards_with_before(api_a, client_a, chats):
    conversation_a, _ = chats
    ids = [_say(conversation_a, client_a, f"more {n}") for n in range(4)]
    url = f"/api/chat/conversations/{conversation_a.id}/messages/"

    newest = api_a.get(url, {"page_size": 3}).json()
    assert [m["body"] for m in newest["results"]] == ["more 1", "more 2", "more 3"]
    assert newest["next"] is None
    older = api_a.get(newest["previous"]).json()
    assert [m["body"] for m in older["results"]] == ["answer to A", "second from A", "more 0"]
    oldest = api_a.get(older["previous"]).json()
    assert [m["body"] for m in oldest["results"]] == ["first from A"]
    assert oldest["previous"] is None
    forward = api_a.get(oldest["next"]).json()
    assert forward["results"] == older["results"]

    explicit = api_a.get(url, {"before": ids[0], "page_size": 1}).json()
    assert [m["body"] for m in explicit["results"]] == ["second from A"]


def test_b_cannot_read_the_history_of_a(api_b, chats):
    conversation_a, _ = chats
    response = api_b.get(f"/api/chat/conversations/{conversation_a.id}/messages/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such conversation."}


def test_an_admin_reads_any_history_and_unknown_ids_are_404(api_admin, chats):
    _, conversation_b = chats
    response = api_admin.get(f"/api/chat/conversations/{conversation_b.id}/messages/")
    assert response.status_code == 200
    assert api_admin.get("/api/chat/conversations/999999/messages/").status_code == 404


@pytest.mark.parametrize(
    "query", [{"before": "x"}, {"before": 0}, {"page_size": 1000}, {"before": 5, "after": 1}]
)
def test_bad_paging_parameters_are_a_400(api_a, chats, query):
    conversation_a, _ = chats
    response = api_a.get(f"/api/chat/conversations/{conversation_a.id}/messages/", query)
    assert response.status_code == 400
    assert response.json()["detail"]
