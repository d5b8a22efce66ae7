"""The realtime process needs only the chat database and Redis (docs/architecture.md).

These tests may open only `chat`: pytest-django fails any query to the users database, so a
socket, a chat message and the chat REST API must work from the token's claims alone.
"""

import time

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from ems.realtime.tickets import ticket_issue
from tests.sockets import async_test, call, communicator, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True, databases=["chat"])

# An account that exists only in the users database, which these tests cannot read.
CLAIMS = {"user_id": 4242, "role": "client", "name": "Claire Claims", "timezone": "UTC"}


def _token_without_the_users_database() -> str:
    token = AccessToken()
    for claim, value in CLAIMS.items():
        token[claim] = value
    return str(token)


@async_test
async def test_a_jwt_socket_chats_and_lists_without_the_users_database():
    token = _token_without_the_users_database()
    async with open_socket("/ws/chat/", token) as socket:
        ready = await receive(socket)
        assert ready["user"] == {"id": 4242, "name": "Claire Claims", "role": "client"}
        await socket.send_json_to({"type": "message", "body": "stored in chat only"})
        assert (await receive(socket))["sender"]["name"] == "Claire Claims"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    listing = (await call(api.get, "/api/chat/conversations/")).json()
    assert listing["results"][0]["last_message"]["body"] == "stored in chat only"


@async_test
async def test_a_ticket_socket_needs_only_redis():
    ticket = await call(ticket_issue, **CLAIMS, expires_at=int(time.time()) + 60)
    socket = communicator("/ws/notifications/", protocols=["ems.ticket", ticket])
    assert await socket.connect() == (True, "ems.ticket")
    await socket.send_json_to({"type": "ping"})
    assert await receive(socket) == {"type": "pong"}
    await socket.disconnect()
