"""Chat over /ws/chat/: live messages, several conversations at once, typing, read receipts."""

import logging

import pytest

from apps.chat.models import Message, ReadState
from tests.sockets import async_test, call, nothing_more, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "chat"])


async def _ready(socket) -> dict:
    frame = await receive(socket)
    assert frame["type"] == "ready"
    return frame


def _stored_messages() -> list[tuple[int, str]]:
    return list(Message.objects.using("chat").order_by("id").values_list("sender_id", "body"))


@async_test
async def test_a_client_message_reaches_the_admin_live_and_comes_back_with_its_id(
    client_a, token_a, token_admin
):
    async with (
        open_socket("/ws/chat/", token_a) as socket_a,
        open_socket("/ws/chat/", token_admin) as socket_admin,
    ):
        conversation = (await _ready(socket_a))["conversation"]
        await _ready(socket_admin)
        await socket_a.send_json_to({"type": "message", "body": "My meter reads zero."})

        echo = await receive(socket_a)
        assert echo["type"] == "message"
        assert echo["conversation"] == conversation
        assert echo["body"] == "My meter reads zero."
        assert echo["sender"] == {"id": client_a.id, "name": "Alice Client", "role": "client"}
        assert isinstance(echo["id"], int)
        assert echo["created_at"].endswith("Z")
        assert await receive(socket_admin) == echo

    assert await call(_stored_messages) == [(client_a.id, "My meter reads zero.")]


@async_test
async def test_an_admin_reply_reaches_the_client_live(admin, token_a, token_admin):
    async with (
        open_socket("/ws/chat/", token_a) as socket_a,
        open_socket("/ws/chat/", token_admin) as socket_admin,
    ):
        conversation = (await _ready(socket_a))["conversation"]
        await _ready(socket_admin)
        await socket_admin.send_json_to(
            {"type": "message", "conversation": conversation, "body": "Looking into it."}
        )
        reply = await receive(socket_a)
        assert reply["body"] == "Looking into it."
        assert reply["sender"] == {"id": admin.id, "name": "Ada Admin", "role": "admin"}
        assert await receive(socket_admin) == reply


@async_test
async def test_an_admin_talks_to_a_and_b_at_once_and_the_conversations_stay_apart(
    client_a, client_b, token_a, token_b, token_admin
):
    async with (
        open_socket("/ws/chat/", token_a) as socket_a,
        open_socket("/ws/chat/", token_b) as socket_b,
        open_socket("/ws/chat/", token_admin) as socket_admin,
    ):
        conversation_a = (await _ready(socket_a))["conversation"]
        conversation_b = (await _ready(socket_b))["conversation"]
        await _ready(socket_admin)
        assert conversation_a != conversation_b

        await socket_a.send_json_to({"type": "message", "body": "from A"})
        await socket_b.send_json_to({"type": "message", "body": "from B"})
        received = [await receive(socket_admin), await receive(socket_admin)]
        assert {(m["conversation"], m["body"], m["sender"]["name"]) for m in received} == {
            (conversation_a, "from A", "Alice Client"),
            (conversation_b, "from B", "Bob Client"),
        }
        await socket_admin.send_json_to(
            {"type": "message", "conversation": conversation_a, "body": "to A"}
        )
        await socket_admin.send_json_to(
            {"type": "message", "conversation": conversation_b, "body": "to B"}
        )

        frames_a = [await receive(socket_a) for _ in range(2)]
        frames_b = [await receive(socket_b) for _ in range(2)]
        assert [frame["body"] for frame in frames_a] == ["from A", "to A"]
        assert [frame["body"] for frame in frames_b] == ["from B", "to B"]
        assert await nothing_more(socket_a)
        assert await nothing_more(socket_b)


@async_test
async def test_typing_reaches_the_other_side_and_not_the_typist(client_a, token_a, token_admin):
    async with (
        open_socket("/ws/chat/", token_a) as socket_a,
        open_socket("/ws/chat/", token_admin) as socket_admin,
    ):
        conversation = (await _ready(socket_a))["conversation"]
        await _ready(socket_admin)
        for state in ("started", "stopped"):
            await socket_a.send_json_to({"type": "typing", "state": state})
            assert await receive(socket_admin) == {
                "type": "typing",
                "conversation": conversation,
                "state": state,
                "sender": {"id": client_a.id, "name": "Alice Client", "role": "client"},
            }
        await socket_admin.send_json_to(
            {"type": "typing", "conversation": conversation, "state": "started"}
        )
        assert (await receive(socket_a))["sender"]["role"] == "admin"
        assert await nothing_more(socket_admin)

        await socket_a.send_json_to({"type": "typing", "state": "shouting"})
        assert (await receive(socket_a))["code"] == "invalid"

    assert await call(lambda: Message.objects.using("chat").count()) == 0


@async_test
async def test_a_read_receipt_reaches_the_sender_and_is_stored(admin, token_a, token_admin):
    async with (
        open_socket("/ws/chat/", token_a) as socket_a,
        open_socket("/ws/chat/", token_admin) as socket_admin,
    ):
        conversation = (await _ready(socket_a))["conversation"]
        await _ready(socket_admin)
        await socket_a.send_json_to({"type": "message", "body": "Anyone there?"})
        message = await receive(socket_a)
        await receive(socket_admin)

        await socket_admin.send_json_to(
            {"type": "read", "conversation": conversation, "message_id": message["id"]}
        )
        assert await receive(socket_a) == {
            "type": "read",
            "conversation": conversation,
            "message_id": message["id"],
            "reader": {"id": admin.id, "name": "Ada Admin", "role": "admin"},
        }
        # Reading the same message again is no news: no second receipt.
        await socket_admin.send_json_to(
            {"type": "read", "conversation": conversation, "message_id": message["id"]}
        )
        assert await nothing_more(socket_a)

    state = await call(lambda: ReadState.objects.using("chat").get(user_id=admin.id))
    assert state.last_read_message_id == message["id"]


@async_test
async def test_a_read_receipt_must_name_a_message_of_the_conversation(token_a):
    async with open_socket("/ws/chat/", token_a) as socket_a:
        await _ready(socket_a)
        await socket_a.send_json_to({"type": "read", "message_id": 999_999})
        assert (await receive(socket_a))["code"] == "invalid"
        await socket_a.send_json_to({"type": "read", "message_id": "7"})
        assert (await receive(socket_a))["code"] == "invalid"


@async_test
async def test_b_cannot_write_to_or_type_in_a_conversation_of_a(
    client_b, token_a, token_b, token_admin, caplog
):
    async with (
        open_socket("/ws/chat/", token_a) as socket_a,
        open_socket("/ws/chat/", token_b) as socket_b,
        open_socket("/ws/chat/", token_admin) as socket_admin,
    ):
        conversation_a = (await _ready(socket_a))["conversation"]
        await _ready(socket_b)
        await _ready(socket_admin)
        with caplog.at_level(logging.WARNING, logger="ems.chat"):
            for frame in (
                {"type": "message", "conversation": conversation_a, "body": "hi, I am A"},
                {"type": "typing", "conversation": conversation_a, "state": "started"},
                {"type": "read", "conversation": conversation_a, "message_id": 1},
            ):
                await socket_b.send_json_to(frame)
                assert await receive(socket_b) == {
                    "type": "error",
                    "code": "not_found",
                    "detail": "No such conversation.",
                }
        assert await nothing_more(socket_a)
        assert await nothing_more(socket_admin)

    refusals = [r for r in caplog.records if r.name == "ems.chat" and "refused" in r.message]
    assert len(refusals) == 3
    assert f"user_id={client_b.id}" in refusals[0].message
    assert await call(_stored_messages) == []


@async_test
async def test_an_admin_must_name_an_existing_conversation(token_admin):
    async with open_socket("/ws/chat/", token_admin) as socket_admin:
        assert (await _ready(socket_admin))["conversation"] is None
        await socket_admin.send_json_to({"type": "message", "body": "to whom?"})
        assert (await receive(socket_admin))["code"] == "invalid"
        await socket_admin.send_json_to({"type": "message", "conversation": 987654, "body": "x"})
        assert (await receive(socket_admin))["code"] == "not_found"


@async_test
async def test_a_message_body_must_be_sane_text(token_a):
    async with open_socket("/ws/chat/", token_a) as socket_a:
        await _ready(socket_a)
        # PostgreSQL stores neither NUL nor a lone surrogate (JSON can carry both).
        for body in ["", "   ", None, 42, "x" * 4001, "a\x00b", "a\ud800b"]:
            await socket_a.send_json_to({"type": "message", "body": body})
            assert (await receive(socket_a))["code"] == "invalid"
    assert await call(_stored_messages) == []


@async_test
async def test_a_message_of_the_maximum_length_fits_in_a_frame_even_escaped(token_a):
    async with open_socket("/ws/chat/", token_a) as socket_a:
        await _ready(socket_a)
        # json.dumps escapes each emoji as 12 ASCII bytes: the frame limit allows for that.
        await socket_a.send_json_to({"type": "message", "body": "\N{GRINNING FACE}" * 4000})
        assert len((await receive(socket_a))["body"]) == 4000


@async_test
async def test_what_was_missed_while_offline_is_in_the_history(api_a, token_a, token_admin):
    async with open_socket("/ws/chat/", token_a) as socket_a:
        conversation = (await _ready(socket_a))["conversation"]
        await socket_a.send_json_to({"type": "message", "body": "Is my bill right?"})
        await receive(socket_a)
    async with open_socket("/ws/chat/", token_admin) as socket_admin:
        await _ready(socket_admin)
        await socket_admin.send_json_to(
            {"type": "message", "conversation": conversation, "body": "Yes, it is."}
        )
        await receive(socket_admin)

    async with open_socket("/ws/chat/", token_a) as socket_a:
        assert (await _ready(socket_a))["conversation"] == conversation
        listing = (await call(api_a.get, "/api/chat/conversations/")).json()
        history = await call(api_a.get, f"/api/chat/conversations/{conversation}/messages/")
    assert listing["results"][0]["unread_count"] == 1
    assert [m["body"] for m in history.json()["results"]] == ["Is my bill right?", "Yes, it is."]
