"""Abuse: malformed, unknown, binary and oversize frames get error frames; floods are limited."""

import json

import pytest

from tests.sockets import async_test, open_socket, receive, receive_close

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "chat"])


async def _still_answers(socket) -> bool:
    await socket.send_json_to({"type": "ping"})
    return await receive(socket) == {"type": "pong"}


BAD_FRAMES = [
    ("{not json", "not_json"),
    ("[1, 2, 3]", "invalid"),
    ('{"no_type": true}', "invalid"),
    ('{"type": 5}', "invalid"),
    ('{"type": "launch_missiles"}', "unknown_type"),
    ("[" * 20_000 + "]" * 20_000, "not_json"),
]


@pytest.mark.parametrize("path", ["/ws/notifications/", "/ws/chat/"])
@async_test
async def test_each_bad_frame_gets_an_error_frame_and_the_socket_stays_open(path, token_a):
    async with open_socket(path, token_a) as socket:
        if path == "/ws/chat/":
            assert (await receive(socket))["type"] == "ready"
        for frame, code in BAD_FRAMES:
            await socket.send_to(text_data=frame)
            error = await receive(socket)
            assert error["type"] == "error"
            assert (error["code"], frame) == (code, frame)
            assert error["detail"]
        assert await _still_answers(socket)


@async_test
async def test_a_binary_frame_gets_an_error_frame(token_a):
    async with open_socket("/ws/notifications/", token_a) as socket:
        await socket.send_to(bytes_data=b"\x00\x01")
        assert (await receive(socket))["code"] == "not_json"
        assert await _still_answers(socket)


@async_test
async def test_an_oversize_frame_gets_an_error_frame(settings, token_a):
    settings.EMS_WS_MAX_FRAME_BYTES = 1024
    async with open_socket("/ws/notifications/", token_a) as socket:
        await socket.send_to(text_data=json.dumps({"type": "ping", "padding": "é" * 600}))
        error = await receive(socket)
        assert error["code"] == "too_large"
        assert "1024 bytes" in error["detail"]
        assert await _still_answers(socket)


@async_test
async def test_frames_beyond_the_burst_are_dropped_with_an_error(settings, token_a):
    settings.EMS_WS_RATE_BURST = 5
    settings.EMS_WS_RATE_PER_SECOND = 0.5
    async with open_socket("/ws/notifications/", token_a) as socket:
        for _ in range(8):
            await socket.send_json_to({"type": "ping"})
        replies = [await receive(socket) for _ in range(8)]
    assert [reply["type"] for reply in replies] == ["pong"] * 5 + ["error"] * 3
    assert {reply["code"] for reply in replies[5:]} == {"rate_limited"}


@async_test
async def test_the_bucket_refills(settings, token_a):
    settings.EMS_WS_RATE_BURST = 1
    settings.EMS_WS_RATE_PER_SECOND = 2.0
    async with open_socket("/ws/notifications/", token_a) as socket:
        assert await _still_answers(socket)
        await socket.send_json_to({"type": "ping"})
        assert (await receive(socket))["code"] == "rate_limited"
        await socket.receive_nothing(timeout=0.6)  # at 2 a second: one frame's worth
        assert await _still_answers(socket)


@async_test
async def test_a_client_that_keeps_flooding_is_disconnected(settings, token_a):
    settings.EMS_WS_RATE_BURST = 1
    settings.EMS_WS_RATE_PER_SECOND = 0.01
    async with open_socket("/ws/notifications/", token_a) as socket:
        for _ in range(60):
            await socket.send_json_to({"type": "ping"})
        frames, code = await receive_close(socket)
    assert code == 4429
    assert frames[0] == {"type": "pong"}
    assert len(frames) == 50  # one pong, then 49 errors; the 50th refusal closes
