"""Live alerts: what the monitoring worker sends to the channel layer reaches the right sockets."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from ems.groups import ADMINS_GROUP, demand_group, user_group
from tests.sockets import async_test, call, nothing_more, open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "chat"])


def _alert(*, alert_id: int) -> dict:
    # The alert's REST fields, as the monitoring worker sends them after the alert is stored.
    return {
        "id": alert_id,
        "device": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "hour_start": "2026-11-27T10:00:00Z",
        "kwh": "3.512",
        "max_hourly_kwh": "2.000",
        "created_at": "2026-11-27T11:00:04Z",
        "acknowledged_at": None,
    }


async def _publish_as_the_worker(*, owner_id: int, alert: dict) -> None:
    layer = get_channel_layer()
    event = {"type": "alert.created", "alert": alert}
    await layer.group_send(user_group(owner_id), event)
    await layer.group_send(ADMINS_GROUP, event)


@async_test
async def test_client_a_alert_reaches_a_and_the_admin_never_b(
    client_a, token_a, token_b, token_admin
):
    async with (
        open_socket("/ws/notifications/", token_a) as socket_a,
        open_socket("/ws/notifications/", token_b) as socket_b,
        open_socket("/ws/notifications/", token_admin) as socket_admin,
    ):
        await _publish_as_the_worker(owner_id=client_a.id, alert=_alert(alert_id=41))

        expected = {"type": "alert", **_alert(alert_id=41)}
        assert await receive(socket_a) == expected
        assert await receive(socket_admin) == expected
        assert await nothing_more(socket_b)


@async_test
async def test_an_admin_who_owns_the_device_gets_the_alert_once(admin, token_admin):
    async with open_socket("/ws/notifications/", token_admin) as socket:
        await _publish_as_the_worker(owner_id=admin.id, alert=_alert(alert_id=7))
        assert (await receive(socket))["id"] == 7
        assert await nothing_more(socket)


@async_test
async def test_a_withdrawal_and_a_reopening_reach_the_owner_each_once(
    client_a, admin, token_a, token_b, token_admin
):
    layer = get_channel_layer()
    raised = {**_alert(alert_id=52), "state": "open", "withdrawn_at": None}
    withdrawn = {**raised, "state": "withdrawn", "withdrawn_at": "2026-11-27T11:20:00Z"}
    async with (
        open_socket("/ws/notifications/", token_a) as socket_a,
        open_socket("/ws/notifications/", token_b) as socket_b,
        open_socket("/ws/notifications/", token_admin) as socket_admin,
    ):
        for kind, alert in (
            ("alert.created", raised),
            ("alert.withdrawn", withdrawn),
            ("alert.created", raised),
        ):
            for group in (user_group(client_a.id), ADMINS_GROUP):
                await layer.group_send(group, {"type": kind, "alert": alert})
        for socket in (socket_a, socket_admin):
            frames = [await receive(socket) for _ in range(3)]
            assert [frame["type"] for frame in frames] == ["alert", "alert.withdrawn", "alert"]
            assert frames[1] == {**withdrawn, "type": "alert.withdrawn"}
            assert await nothing_more(socket)
        assert await nothing_more(socket_b)


@async_test
async def test_a_meters_demand_reaches_its_owner_as_a_demand_frame_once(
    client_a, admin, token_a, token_b, token_admin
):
    demand = {
        "device": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "kw": 1.2,
        "at": "2026-11-27T10:10:00+00:00",
        "interval_seconds": 600.0,
        "stale": False,
    }
    async with (
        open_socket("/ws/notifications/", token_a) as socket_a,
        open_socket("/ws/notifications/", token_b) as socket_b,
    ):
        layer = get_channel_layer()
        event = {"type": "demand.updated", "demand": demand}
        await layer.group_send(demand_group(client_a.id), event)
        await layer.group_send(demand_group(client_a.id), event)
        assert await receive(socket_a) == {"type": "demand", **demand}
        assert await nothing_more(socket_a)
        assert await nothing_more(socket_b)


@async_test
async def test_a_chat_message_tells_the_other_sides_pages_to_read_the_unread_count(
    client_a, client_b, admin, token_a, token_b, token_admin
):
    from channels.db import database_sync_to_async

    from apps.chat import services as chat_services

    conversation = await database_sync_to_async(chat_services.conversation_open_for_client)(
        client_id=client_a.id, client_name=client_a.name
    )

    def send(sender) -> None:
        chat_services.message_send(
            conversation_id=conversation.id,
            sender_id=sender.id,
            sender_name=sender.name,
            sender_role=sender.role,
            body="Hello",
        )

    async with (
        open_socket("/ws/notifications/", token_a) as socket_a,
        open_socket("/ws/notifications/", token_b) as socket_b,
        open_socket("/ws/notifications/", token_admin) as socket_admin,
    ):
        await database_sync_to_async(send)(admin)
        expected = {"type": "chat.unread", "conversation": conversation.id}
        assert await receive(socket_a) == expected
        assert await nothing_more(socket_b)
        await database_sync_to_async(send)(client_a)
        assert await receive(socket_admin) == expected
        assert await nothing_more(socket_b)


@async_test
async def test_a_socket_left_idle_longer_than_the_layers_blocking_read_still_gets_alerts(
    client_a, token_a
):
    # channels-redis waits for the socket's next message with a blocking pop of up to 5 s; a
    # Redis client that gave up reading after 5 s killed the idle socket's application, and
    # browsers were disconnected every few seconds (ems/settings/base.py, channel_layer_host).
    async with open_socket("/ws/notifications/", token_a) as socket:
        await asyncio.sleep(12)
        await _publish_as_the_worker(owner_id=client_a.id, alert=_alert(alert_id=63))
        assert (await receive(socket))["id"] == 63
        assert await nothing_more(socket)


@async_test
async def test_a_batchs_events_for_one_group_go_as_one_message_and_arrive_as_their_frames(
    client_a, token_a, token_b, token_admin
):
    from apps.monitoring.services import push_messages

    first, second = _alert(alert_id=81), _alert(alert_id=82)
    demand = {"device": first["device"], "kw": 0.6, "at": "2026-11-27T10:10:00+00:00"}
    events = [
        (user_group(client_a.id), {"type": "alert.created", "alert": first}),
        (ADMINS_GROUP, {"type": "alert.created", "alert": first}),
        (user_group(client_a.id), {"type": "alert.created", "alert": second}),
        (ADMINS_GROUP, {"type": "alert.created", "alert": second}),
        (demand_group(client_a.id), {"type": "demand.updated", "demand": demand}),
    ]
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(user_group(client_a.id), listener)
    async with (
        open_socket("/ws/notifications/", token_a) as socket_a,
        open_socket("/ws/notifications/", token_b) as socket_b,
        open_socket("/ws/notifications/", token_admin) as socket_admin,
    ):
        await call(push_messages, events)

        # The owner's group got one message holding both alerts, in their order.
        message = await layer.receive(listener)
        assert message == {
            "type": "events.batch",
            "events": [events[0][1], events[2][1]],
        }
        frames = [await receive(socket_a) for _ in range(3)]
        assert sorted((frame["type"], frame.get("id")) for frame in frames) == [
            ("alert", 81),
            ("alert", 82),
            ("demand", None),
        ]
        alert_frames = [frame["id"] for frame in frames if frame["type"] == "alert"]
        assert alert_frames == [81, 82]
        assert [(await receive(socket_admin))["id"] for _ in range(2)] == [81, 82]
        for socket in (socket_a, socket_b, socket_admin):
            assert await nothing_more(socket)
    await layer.group_discard(user_group(client_a.id), listener)


@async_test
async def test_an_event_of_another_type_inside_a_batch_is_ignored(client_a, token_a):
    layer = get_channel_layer()
    async with open_socket("/ws/notifications/", token_a) as socket:
        await layer.group_send(
            user_group(client_a.id),
            {
                "type": "events.batch",
                "events": [
                    {"type": "websocket.disconnect", "code": 1000},
                    "not an event",
                    {"type": "alert.created", "alert": _alert(alert_id=91)},
                ],
            },
        )
        assert (await receive(socket))["id"] == 91
        assert await nothing_more(socket)
