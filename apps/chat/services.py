"""Writes of the chat: conversations, messages and read state, each pushed live after commit."""

from django.conf import settings
from django.db import transaction

from ems.groups import ADMINS_GROUP, user_group
from ems.vocabulary import Role

from .broadcast import (
    conversation_event_publish,
    message_frame,
    person_frame,
    unread_changed_publish,
)
from .models import Conversation, Message, ReadState


class ChatError(Exception):
    """A chat request that cannot be carried out; the message is safe to show."""

    code = "invalid"


class ConversationNotFound(ChatError):
    code = "not_found"

    def __init__(self, message: str = "No such conversation."):
        super().__init__(message)


def conversation_open_for_client(*, client_id: int, client_name: str) -> Conversation:
    """The client's support conversation, created on first use; keeps their name current."""
    with transaction.atomic(using="chat"):
        conversation, created = Conversation.objects.using("chat").get_or_create(
            client_id=client_id, defaults={"client_name": client_name}
        )
        if not created and client_name and conversation.client_name != client_name:
            conversation.client_name = client_name
            conversation.save(using="chat", update_fields=["client_name"])
    return conversation


def _clean_body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ChatError("A message needs a non-empty text `body`.")
    limit = settings.EMS_CHAT_MESSAGE_MAX_LENGTH
    if len(body) > limit:
        raise ChatError(f"A message may be at most {limit} characters long.")
    # JSON can carry both; PostgreSQL stores neither (the insert would fail as a server error).
    if "\x00" in body:
        raise ChatError("A message may not contain NUL characters.")
    try:
        body.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ChatError("A message may not contain lone surrogate characters.") from error
    return body


def message_send(
    *,
    conversation_id: int,
    sender_id: int,
    sender_name: str,
    sender_role: str,
    body,
    reference: dict | None = None,
) -> Message:
    """Store a message, then (on commit) push it to the conversation's sockets.

    The push is best effort (`robust`: a failure is logged, the stored message stands); a
    socket that misses it catches up over REST.
    """
    body = _clean_body(body)
    with transaction.atomic(using="chat"):
        conversation = (
            Conversation.objects.using("chat")
            .select_for_update()
            .filter(id=conversation_id)
            .first()
        )
        if conversation is None:
            raise ConversationNotFound()
        message = Message.objects.using("chat").create(
            conversation=conversation,
            sender_id=sender_id,
            sender_name=sender_name,
            sender_role=sender_role,
            body=body,
            reference=reference,
        )
        conversation.last_message_at = message.created_at
        conversation.save(using="chat", update_fields=["last_message_at"])
        event = {"type": "chat.message", "message": message_frame(message)}
        transaction.on_commit(
            lambda: conversation_event_publish(conversation_id=conversation_id, event=event),
            using="chat",
            robust=True,
        )
        # The other side's nav badges, on whatever page they are.
        readers = (
            [ADMINS_GROUP] if sender_role == Role.CLIENT else [user_group(conversation.client_id)]
        )
        transaction.on_commit(
            lambda: unread_changed_publish(groups=readers, conversation_id=conversation_id),
            using="chat",
            robust=True,
        )
    return message


def read_state_advance(
    *, conversation_id: int, reader_id: int, reader_name: str, reader_role: str, message_id
) -> bool:
    """Record that the reader has read up to `message_id`; push a receipt if that is news.

    Read state only moves forward, so receipts arriving late or twice change nothing.
    """
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ChatError("`message_id` must be a message id (an integer).")
    if (
        not Message.objects.using("chat")
        .filter(id=message_id, conversation_id=conversation_id)
        .exists()
    ):
        raise ChatError("No such message in this conversation.")
    with transaction.atomic(using="chat"):
        state, _ = ReadState.objects.using("chat").get_or_create(
            conversation_id=conversation_id, user_id=reader_id
        )
        advanced = (
            ReadState.objects.using("chat")
            .filter(id=state.id, last_read_message_id__lt=message_id)
            .update(last_read_message_id=message_id)
        )
        if advanced:
            event = {
                "type": "chat.read",
                "conversation": conversation_id,
                "message_id": message_id,
                "reader": person_frame(user_id=reader_id, name=reader_name, role=reader_role),
            }
            transaction.on_commit(
                lambda: conversation_event_publish(conversation_id=conversation_id, event=event),
                using="chat",
                robust=True,
            )
            # The reader's own badges in their other tabs.
            transaction.on_commit(
                lambda: unread_changed_publish(
                    groups=[user_group(reader_id)], conversation_id=conversation_id
                ),
                using="chat",
                robust=True,
            )
    return bool(advanced)
