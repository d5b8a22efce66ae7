"""Helpers of the browser tests that need the live ASGI server: what other processes do."""

import itertools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connections

from apps.chat import services as chat_services


def in_a_thread(function, /, **kwargs):
    """Run `function` off the main thread, where Playwright's event loop makes Django refuse
    async_to_sync (the channel layer); its database connections are closed after it."""

    def run():
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)


def seed_messages(client, count: int, *, sender=None, text: str = "Reading number {}") -> None:
    """`count` messages in the client's conversation, from the client or from `sender`."""
    sender = sender or client
    conversation = chat_services.conversation_open_for_client(
        client_id=client.id, client_name=client.name
    )
    for number in range(1, count + 1):
        chat_services.message_send(
            conversation_id=conversation.id,
            sender_id=sender.id,
            sender_name=sender.name,
            sender_role=sender.role,
            body=text.format(number),
        )


def alert_json(alert_id: int) -> dict:
    return {
        "id": alert_id,
        "device": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "hour_start": "2026-11-27T09:00:00Z",
        "kwh": "2.750",
        "max_hourly_kwh": "2.000",
        "created_at": "2026-11-27T10:00:03Z",
        "acknowledged_at": None,
    }


_alert_ids = itertools.count(900)


def push_alert_to(group: str, *, alert_id: int | None = None) -> dict:
    """What the monitoring worker does after storing an alert (docs/realtime.md)."""
    alert = alert_json(next(_alert_ids) if alert_id is None else alert_id)
    event = {"type": "alert.created", "alert": alert}
    in_a_thread(async_to_sync(get_channel_layer().group_send), group=group, message=event)
    return alert
