"""Reads of the chat: who may see which conversation, lists with unread counts, history pages."""

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ems.vocabulary import Role

from .models import Conversation, Message, ReadState


def conversation_get_for_user(
    *, conversation_id: int, user_id: int, is_admin: bool
) -> Conversation | None:
    """The conversation if this person may see it: an administrator any, a client their own."""
    conversations = Conversation.objects.using("chat").filter(id=conversation_id)
    if not is_admin:
        conversations = conversations.filter(client_id=user_id)
    return conversations.first()


def conversation_list_for_user(*, user_id: int, is_admin: bool) -> QuerySet[Conversation]:
    """Conversations this person sees, newest activity first, with `unread_count`.

    Unread: messages from the other side (clients for an administrator, administrators for a
    client) after the last one this person marked read.
    """
    own_side = Role.ADMIN if is_admin else Role.CLIENT
    last_read = ReadState.objects.filter(conversation=OuterRef("pk"), user_id=user_id).values(
        "last_read_message_id"
    )[:1]
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), id__gt=OuterRef("last_read_id"))
        .exclude(sender_role=own_side)
        .order_by()
        .values("conversation")
        .annotate(count=Count("id"))
        .values("count")
    )
    last_message = (
        Message.objects.filter(conversation=OuterRef("pk")).order_by("-id").values("id")[:1]
    )
    conversations = Conversation.objects.using("chat").order_by(
        F("last_message_at").desc(nulls_last=True), "-id"
    )
    if not is_admin:
        conversations = conversations.filter(client_id=user_id)
    return conversations.annotate(
        last_read_id=Coalesce(Subquery(last_read), Value(0), output_field=IntegerField()),
        unread_count=Coalesce(Subquery(unread), Value(0), output_field=IntegerField()),
        last_message_id=Subquery(last_message),
    )


def messages_by_id(*, message_ids) -> dict[int, Message]:
    ids = [message_id for message_id in message_ids if message_id is not None]
    return {message.id: message for message in Message.objects.using("chat").filter(id__in=ids)}


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]  # oldest first, newest last
    has_older: bool
    has_newer: bool
    total: int  # messages in the whole conversation


def message_page(
    *, conversation_id: int, limit: int, before: int | None = None, after: int | None = None
) -> MessagePage:
    """A page of history: the newest `limit` messages before `before`, or the oldest after
    `after`, or the newest of all; always returned oldest first."""
    messages = Message.objects.using("chat").filter(conversation_id=conversation_id)
    if after is not None:
        page = list(messages.filter(id__gt=after).order_by("id")[: limit + 1])
        has_newer, page = len(page) > limit, page[:limit]
        has_older = messages.filter(id__lte=after).exists()
        return MessagePage(
            messages=page, has_older=has_older, has_newer=has_newer, total=messages.count()
        )
    if before is not None:
        messages_before = messages.filter(id__lt=before)
        has_newer = messages.filter(id__gte=before).exists()
    else:
        messages_before, has_newer = messages, False
    page = list(messages_before.order_by("-id")[: limit + 1])
    has_older, page = len(page) > limit, page[:limit]
    return MessagePage(
        messages=page[::-1], has_older=has_older, has_newer=has_newer, total=messages.count()
    )


def other_side_read_up_to(*, conversation: Conversation, is_admin: bool) -> int:
    """How far the other side has read: the client (for administrators), or the furthest any
    administrator has read (for the client), so "Read" marks survive a reload."""
    states = ReadState.objects.using("chat").filter(conversation=conversation)
    if is_admin:
        states = states.filter(user_id=conversation.client_id)
    else:
        states = states.exclude(user_id=conversation.client_id)
    positions = states.values_list("last_read_message_id", flat=True)
    return max(positions, default=0)
