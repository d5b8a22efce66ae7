"""Who may open a socket: JWT in the subprotocol header, single-use tickets, origins, expiry."""

import asyncio
from datetime import timedelta

import jwt
import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from apps.users.tokens import token_pair_for
from tests.sockets import (
    TIMEOUT,
    access_token,
    async_test,
    call,
    communicator,
    open_socket,
    receive,
    receive_close,
)

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "chat"])

PATHS = ["/ws/notifications/", "/ws/chat/"]
# Long enough that a loaded machine still connects before the token expires (an expiry is whole
# seconds, so a token lives between lifetime - 1 s and lifetime): the tests wait for the close.
SHORT_LIFETIME = timedelta(seconds=4)
EXPIRY_WAIT = 5


async def _refused_with_4401(socket, *, expected_protocol=None) -> list[dict]:
    connected, protocol = await socket.connect(timeout=TIMEOUT)
    assert connected
    assert protocol == expected_protocol
    frames, code = await receive_close(socket)
    assert code == 4401
    return frames


@pytest.mark.parametrize("path", PATHS)
@async_test
async def test_it_closes_a_socket_without_credentials_with_4401(path, client_a):
    frames = await _refused_with_4401(communicator(path))
    assert frames == [{"type": "error", "code": "unauthenticated", "detail": frames[0]["detail"]}]


@pytest.mark.parametrize("path", PATHS)
@async_test
async def test_it_closes_a_socket_with_an_expired_token(path, client_a):
    expired = await call(access_token, client_a, lifetime=timedelta(seconds=-1))
    await _refused_with_4401(
        communicator(path, protocols=["ems.jwt", expired]), expected_protocol="ems.jwt"
    )


@async_test
async def test_it_closes_a_socket_with_a_token_signed_by_someone_else(token_a):
    payload = dict(AccessToken(token_a).payload, role="admin")
    forged = jwt.encode(payload, "another-signing-key-0123456789abcdef", algorithm="HS256")
    await _refused_with_4401(
        communicator("/ws/chat/", protocols=["ems.jwt", forged]),
        expected_protocol="ems.jwt",
    )


@async_test
async def test_it_refuses_a_refresh_token_in_place_of_an_access_token(client_a):
    refresh = (await call(token_pair_for, client_a))["refresh"]
    await _refused_with_4401(
        communicator("/ws/chat/", protocols=["ems.jwt", refresh]), expected_protocol="ems.jwt"
    )


@pytest.mark.parametrize("origin", [b"http://evil.example", None])
@async_test
async def test_it_refuses_a_foreign_or_missing_origin_before_the_handshake(origin, token_a):
    socket = communicator("/ws/notifications/", protocols=["ems.jwt", token_a], origin=origin)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert not connected


@async_test
async def test_it_accepts_a_jwt_and_echoes_only_the_marker(token_a):
    async with open_socket("/ws/notifications/", token_a) as socket:
        await socket.send_json_to({"type": "ping"})
        assert await receive(socket) == {"type": "pong"}


@async_test
async def test_it_closes_the_socket_when_the_token_expires(client_a):
    token = await call(access_token, client_a, lifetime=SHORT_LIFETIME)
    async with open_socket("/ws/notifications/", token) as socket:
        await socket.send_json_to({"type": "ping"})
        assert await receive(socket) == {"type": "pong"}
        frames, code = await receive_close(socket, timeout=EXPIRY_WAIT)
    assert code == 4401
    assert frames[-1]["code"] == "credentials_expired"


def _ticket_from_session(user) -> dict:
    browser = Client()
    browser.force_login(user)
    response = browser.post("/api/ws-ticket/")
    assert response.status_code == 200
    return response.json()


@async_test
async def test_a_ticket_from_the_browser_session_opens_a_socket_once(client_a):
    ticket = await call(_ticket_from_session, client_a)
    assert ticket["protocol"] == "ems.ticket"
    assert ticket["expires_in"] == 30

    socket = communicator("/ws/chat/", protocols=["ems.ticket", ticket["ticket"]])
    connected, protocol = await socket.connect(timeout=TIMEOUT)
    assert (connected, protocol) == (True, "ems.ticket")
    ready = await receive(socket)
    assert ready["user"] == {"id": client_a.id, "name": "Alice Client", "role": "client"}
    await socket.disconnect()

    again = communicator("/ws/chat/", protocols=["ems.ticket", ticket["ticket"]])
    await _refused_with_4401(again, expected_protocol="ems.ticket")


@async_test
async def test_a_made_up_ticket_is_refused(client_a):
    socket = communicator("/ws/chat/", protocols=["ems.ticket", "not-a-ticket"])
    await _refused_with_4401(socket, expected_protocol="ems.ticket")


def test_a_ticket_needs_a_signed_in_caller(anonymous_api):
    assert anonymous_api.post("/api/ws-ticket/").status_code == 401


def test_a_script_gets_a_ticket_with_its_jwt(api_a):
    response = api_a.post("/api/ws-ticket/")
    assert response.status_code == 200
    assert response.json()["protocol"] == "ems.ticket"


def test_a_session_ticket_needs_the_csrf_token(client_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a)
    assert browser.post("/api/ws-ticket/").status_code == 403


def _ticket_with_jwt(token: str) -> str:
    browser = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return browser.post("/api/ws-ticket/").json()["ticket"]


@async_test
async def test_a_socket_opened_with_a_jwt_ticket_ends_when_that_jwt_expires(client_a):
    token = await call(access_token, client_a, lifetime=SHORT_LIFETIME)
    ticket = await call(_ticket_with_jwt, token)
    socket = communicator("/ws/notifications/", protocols=["ems.ticket", ticket])
    assert await socket.connect(timeout=TIMEOUT) == (True, "ems.ticket")
    frames, code = await receive_close(socket, timeout=EXPIRY_WAIT)
    assert (code, frames[-1]["code"]) == (4401, "credentials_expired")


@async_test
async def test_a_ticket_redeemed_after_its_jwt_expired_is_refused(client_a):
    # The ticket itself is still valid (30 s); the JWT it was issued against is not. Refused
    # at the handshake as unauthenticated, not opened and then closed as expired.
    token = await call(access_token, client_a, lifetime=SHORT_LIFETIME)
    ticket = await call(_ticket_with_jwt, token)
    await asyncio.sleep(EXPIRY_WAIT)
    socket = communicator("/ws/notifications/", protocols=["ems.ticket", ticket])
    frames = await _refused_with_4401(socket, expected_protocol="ems.ticket")
    assert [frame["type"] for frame in frames] == ["error"]
    assert frames[0]["code"] == "unauthenticated"


@async_test
async def test_a_socket_opened_with_a_session_ticket_lasts_one_access_token_lifetime(
    settings, client_a
):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": SHORT_LIFETIME}
    ticket = (await call(_ticket_from_session, client_a))["ticket"]
    socket = communicator("/ws/notifications/", protocols=["ems.ticket", ticket])
    assert await socket.connect(timeout=TIMEOUT) == (True, "ems.ticket")
    frames, code = await receive_close(socket, timeout=EXPIRY_WAIT)
    assert (code, frames[-1]["code"]) == (4401, "credentials_expired")
