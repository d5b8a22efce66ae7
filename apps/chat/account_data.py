"""A client's chat as their own data: what the export takes away, and what deletion leaves.

When a client deletes their account the support team keeps the conversation (it may hold the
history of a complaint), but nothing in it names the person any more.
"""

from django.db import transaction

from ems.vocabulary import Role

from .models import Conversation, Message

DELETED_CLIENT_NAME = "Deleted client"


def conversation_export_for_client(*, client_id: int) -> list[dict]:
    """Every message of the client's conversation, oldest first, as plain data."""
    messages = Message.objects.using("chat").filter(conversation__client_id=client_id)
    return [
        {
            "id": message.id,
            "sent_at": message.created_at.isoformat(),
            "sender_name": message.sender_name,
            "sender_role": message.sender_role,
            "body": message.body,
        }
        for message in messages.order_by("id")
    ]


def conversation_anonymise_client(*, client_id: int) -> bool:
    """Replace the client's name in their conversation and messages; True if there was one.

    The messages' bodies stay (the support team's side of the story needs them); the client's id
    stays as a plain number that no account will have again (ids are never reused).
    """
    with transaction.atomic(using="chat"):
        conversation = (
            Conversation.objects.using("chat").select_for_update().filter(client_id=client_id)
        ).first()
        if conversation is None:
            return False
        conversation.client_name = DELETED_CLIENT_NAME
        conversation.save(using="chat", update_fields=["client_name"])
        Message.objects.using("chat").filter(
            conversation=conversation, sender_role=Role.CLIENT
        ).update(sender_name=DELETED_CLIENT_NAME)
    return True
