"""Helpers of the browser tests that need the live ASGI server: what other processes do."""

from concurrent.futures import ThreadPoolExecutor

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
