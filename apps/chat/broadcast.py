"""Channel-layer groups of the chat and the frames pushed to them after a commit.

A client's sockets join their conversation's group; administrators' sockets join one group that
receives every conversation's events, so an administrator follows all clients at once.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework import serializers

from .models import Message

CHAT_ADMINS_GROUP = "chat.admins"

_timestamp = serializers.DateTimeField()


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


def person_frame(*, user_id: int, name: str, role: str) -> dict:
    return {"id": user_id, "name": name, "role": role}


def message_frame(message: Message) -> dict:
    """A message as REST and WebSocket show it."""
    return {
        "id": message.id,
        "conversation": message.conversation_id,
        "body": message.body,
        "reference": message.reference,
        "created_at": _timestamp.to_representation(message.created_at),
        "sender": person_frame(
            user_id=message.sender_id, name=message.sender_name, role=message.sender_role
        ),
    }


async def conversation_event_send(*, conversation_id: int, event: dict) -> None:
    """Deliver a channel-layer event to the conversation's client and to the administrators."""
    layer = get_channel_layer()
    await layer.group_send(conversation_group(conversation_id), event)
    await layer.group_send(CHAT_ADMINS_GROUP, event)


def conversation_event_publish(*, conversation_id: int, event: dict) -> None:
    """The same from synchronous code (an on_commit callback of a service)."""
    async_to_sync(conversation_event_send)(conversation_id=conversation_id, event=event)


def unread_changed_publish(*, groups: list[str], conversation_id: int) -> None:
    """Tell these people's notification sockets (every page) that a conversation's unread count
    changed, so their nav badges read it again; the count itself stays in REST."""
    layer = get_channel_layer()
    event = {"type": "chat.unread", "conversation": conversation_id}
    for group in groups:
        async_to_sync(layer.group_send)(group, event)
