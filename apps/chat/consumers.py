"""`/ws/chat/`: a client's support conversation, or every conversation for an administrator.

Frames in: `message`, `typing`, `read` (and `ping`). The consumer only checks who may act on
which conversation and calls the services; what is stored is pushed back by the services after
commit, so the sender's own copy (with id and timestamp) arrives like everyone else's.
"""

import logging

from channels.db import database_sync_to_async

from ems.realtime.consumers import AuthenticatedJsonConsumer, FrameError

from . import selectors, services
from .broadcast import (
    CHAT_ADMINS_GROUP,
    conversation_event_send,
    conversation_group,
    person_frame,
)

logger = logging.getLogger("ems.chat")

TYPING_STATES = ("started", "stopped")


class ChatConsumer(AuthenticatedJsonConsumer):
    frame_handlers = {
        **AuthenticatedJsonConsumer.frame_handlers,
        "message": "frame_message",
        "typing": "frame_typing",
        "read": "frame_read",
    }

    async def groups_for_user(self) -> list[str]:
        self.conversation_id = None
        # Conversations an administrator has named and that exist: checked once per socket.
        self.known_conversations: set[int] = set()
        if self.user.is_admin:
            return [CHAT_ADMINS_GROUP]
        conversation = await database_sync_to_async(services.conversation_open_for_client)(
            client_id=self.user.id, client_name=self.user.name
        )
        self.conversation_id = conversation.id
        return [conversation_group(conversation.id)]

    async def on_open(self) -> None:
        await self.send_json(
            {"type": "ready", "user": self._me(), "conversation": self.conversation_id}
        )

    def _me(self) -> dict:
        return person_frame(user_id=self.user.id, name=self.user.name, role=self.user.role)

    async def _conversation_of(self, frame: dict) -> int:
        """The conversation a frame acts on, if this user may act on it."""
        named = frame.get("conversation")
        if named is not None and (not isinstance(named, int) or isinstance(named, bool)):
            raise FrameError("`conversation` must be a conversation id (an integer).")
        if not self.user.is_admin:
            if named is not None and named != self.conversation_id:
                logger.warning(
                    "refused: client user_id=%s named conversation %s (own: %s)",
                    self.user.id,
                    named,
                    self.conversation_id,
                )
                raise FrameError("No such conversation.", "not_found")
            return self.conversation_id
        if named is None:
            raise FrameError("Name the `conversation` this frame is for.")
        if named not in self.known_conversations:
            conversation = await database_sync_to_async(selectors.conversation_get_for_user)(
                conversation_id=named, user_id=self.user.id, is_admin=True
            )
            if conversation is None:
                raise FrameError("No such conversation.", "not_found")
            self.known_conversations.add(named)
        return named

    async def frame_message(self, frame: dict) -> None:
        conversation_id = await self._conversation_of(frame)
        try:
            await database_sync_to_async(services.message_send)(
                conversation_id=conversation_id,
                sender_id=self.user.id,
                sender_name=self.user.name,
                sender_role=self.user.role,
                body=frame.get("body"),
            )
        except services.ChatError as error:
            raise FrameError(str(error), error.code) from error

    async def frame_typing(self, frame: dict) -> None:
        conversation_id = await self._conversation_of(frame)
        state = frame.get("state")
        if state not in TYPING_STATES:
            raise FrameError("`state` must be `started` or `stopped`.")
        event = {
            "type": "chat.typing",
            "conversation": conversation_id,
            "state": state,
            "sender": self._me(),
        }
        await conversation_event_send(conversation_id=conversation_id, event=event)

    async def frame_read(self, frame: dict) -> None:
        conversation_id = await self._conversation_of(frame)
        try:
            await database_sync_to_async(services.read_state_advance)(
                conversation_id=conversation_id,
                reader_id=self.user.id,
                reader_name=self.user.name,
                reader_role=self.user.role,
                message_id=frame.get("message_id"),
            )
        except services.ChatError as error:
            raise FrameError(str(error), error.code) from error

    # Channel-layer events, sent by the services and by other sockets.

    async def chat_message(self, event: dict) -> None:
        await self.send_json({"type": "message", **event["message"]})

    async def chat_typing(self, event: dict) -> None:
        # Typing and receipts are for the others: not echoed to the person's own sockets.
        if event["sender"]["id"] != self.user.id:
            await self.send_json({**event, "type": "typing"})

    async def chat_read(self, event: dict) -> None:
        if event["reader"]["id"] != self.user.id:
            await self.send_json({**event, "type": "read"})
