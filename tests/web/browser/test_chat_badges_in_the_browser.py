"""The nav's unread-chat badge is live on every page, for clients and for staff."""

import pytest
from playwright.sync_api import expect

from apps.chat import services as chat_services

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def _send(conversation, sender, body: str) -> None:
    chat_services.message_send(
        conversation_id=conversation.id,
        sender_id=sender.id,
        sender_name=sender.name,
        sender_role=sender.role,
        body=body,
    )


def test_unread_badges_change_live_on_other_pages(signed_in_page, client_a, admin):
    conversation = chat_services.conversation_open_for_client(
        client_id=client_a.id, client_name=client_a.name
    )
    client = signed_in_page(client_a, "/dashboard/")
    staff = signed_in_page(admin, "/staff/fleet/")
    for page in (client, staff):
        expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
        expect(page.locator("[data-chat-unread]")).to_be_hidden()

    in_a_thread(lambda: _send(conversation, admin, "We looked at your meter."))
    expect(client.locator("[data-chat-unread-value]")).to_have_text("1")
    expect(client.locator("[data-chat-unread]")).to_be_visible()

    in_a_thread(lambda: _send(conversation, client_a, "Thank you!"))
    in_a_thread(lambda: _send(conversation, client_a, "One more thing."))
    expect(staff.locator("[data-chat-unread-value]")).to_have_text("2")
