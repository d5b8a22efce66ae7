"""Support conversations between a client and the administrators, their messages and read state.

Users live in the users database: every reference to a person is a plain indexed `*_id` column,
and what a message shows of its sender (name, role) is stored with it, because the realtime
process that writes and pushes messages must not read the users database (docs/realtime.md).
"""

from django.conf import settings
from django.db import models

from ems.vocabulary import Role


class Conversation(models.Model):
    """The one support conversation of a client; every administrator may take part."""

    # The client's user id in the users database (no foreign key across databases).
    client_id = models.BigIntegerField(unique=True)
    # The client's name when they last opened the chat, so administrators' lists need no
    # read of the users database; it follows a rename at the client's next visit.
    client_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = [models.F("last_message_at").desc(nulls_last=True), "-id"]

    def __str__(self) -> str:
        return f"conversation {self.id} with {self.client_name or self.client_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender_id = models.BigIntegerField(db_index=True)
    # Stored as the sender's token described them when they wrote: a message keeps showing who
    # wrote it even if the account is renamed or deleted later.
    sender_name = models.CharField(max_length=150)
    sender_role = models.CharField(max_length=10, choices=Role.choices)
    body = models.TextField(max_length=settings.EMS_CHAT_MESSAGE_MAX_LENGTH)
    # "Ask about this": what the message is about (a meter, a day, an alert), as the web process
    # read it when the client asked (apps/web/chat_context.py); null for a plain message.
    reference = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="chat_message_conv_id")]

    def __str__(self) -> str:
        return f"message {self.id} by {self.sender_name}"


class ReadState(models.Model):
    """How far one person has read one conversation (only ever moves forward)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_states"
    )
    user_id = models.BigIntegerField(db_index=True)
    last_read_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user_id"], name="chat_read_state_unique_reader"
            )
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} read {self.conversation_id} up to {self.last_read_message_id}"
