"""The base of every EMS WebSocket consumer: authentication, expiry, frame limits, dispatch.

Subclasses name their groups (`groups_for_user`) and their frame handlers (`frame_handlers`,
frame `type` -> method); everything a client can get wrong is answered with an error frame
`{"type": "error", "code": ..., "detail": ...}` and the socket stays open (docs/realtime.md).
"""

import asyncio
import json
import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from .auth import offered_credentials, socket_authenticate
from .layer import raise_if_cancelling
from .ratelimit import TokenBucket

logger = logging.getLogger("ems.realtime")

# Close codes (4000-4999 are the application's): the client should get new credentials, or
# slow down, before it reconnects.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_MANY_FRAMES = 4429
# Frames refused by the rate limit in a row before the socket is closed: a client that ignores
# the error frames is not worth the error frames.
MAX_REFUSED_IN_A_ROW = 50


class FrameError(Exception):
    """A frame the consumer refuses; the message is shown to the client."""

    def __init__(self, detail: str, code: str = "invalid"):
        super().__init__(detail)
        self.code = code


class AuthenticatedJsonConsumer(AsyncWebsocketConsumer):
    frame_handlers: dict[str, str] = {"ping": "frame_ping"}

    user = None

    async def groups_for_user(self) -> list[str]:
        return []

    async def on_open(self) -> None:
        """Called once the socket is accepted and in its groups."""

    async def connect(self):
        marker, value = offered_credentials(self.scope)
        credentials = await socket_authenticate(marker=marker, value=value)
        if credentials is None:
            # Accept before closing: a refused handshake would reach the browser as a bare 1006,
            # while an accepted-then-closed socket shows the close code and an error frame.
            await self.accept(subprotocol=marker)
            await self.send_error(
                "unauthenticated",
                "Missing, invalid or expired credentials: offer the subprotocols "
                "['ems.jwt', <access token>] or ['ems.ticket', <ticket>].",
            )
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = credentials.user
        self.bucket = TokenBucket(
            capacity=settings.EMS_WS_RATE_BURST, rate=settings.EMS_WS_RATE_PER_SECOND
        )
        self.refused_in_a_row = 0
        self.groups = await self.groups_for_user()
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept(subprotocol=marker)
        self.expiry = asyncio.create_task(self._close_at(credentials.expires_at))
        await self.on_open()

    async def dispatch(self, message):
        await super().dispatch(message)
        # A cancellation a handler's Redis call swallowed (Python 3.11, see .layer) ends the
        # consumer here; otherwise it would wait for frames from a socket that is gone.
        raise_if_cancelling()

    async def _close_at(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.send_error("credentials_expired", "Your credentials expired; reconnect.")
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def disconnect(self, code):
        expiry = getattr(self, "expiry", None)
        if expiry is not None:
            expiry.cancel()

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def receive(self, text_data=None, bytes_data=None):
        if self.user is None:
            return
        if not self.bucket.take():
            self.refused_in_a_row += 1
            if self.refused_in_a_row >= MAX_REFUSED_IN_A_ROW:
                logger.warning("socket closed for flooding: user_id=%s", self.user.id)
                await self.close(code=CLOSE_TOO_MANY_FRAMES)
                return
            await self.send_error(
                "rate_limited",
                f"Too many frames (at most {settings.EMS_WS_RATE_PER_SECOND:g} a second); "
                "this one was dropped.",
            )
            return
        self.refused_in_a_row = 0
        try:
            frame = self._parse(text_data)
            handler = self.frame_handlers.get(frame["type"])
            if handler is None:
                known = ", ".join(sorted(self.frame_handlers))
                raise FrameError(f"Unknown frame type; this socket takes: {known}.", "unknown_type")
            await getattr(self, handler)(frame)
        except FrameError as error:
            await self.send_error(error.code, str(error))
        except Exception:
            logger.exception("frame failed: user_id=%s", self.user.id)
            await self.send_error("server_error", "The server could not handle this frame.")

    def _parse(self, text_data) -> dict:
        if text_data is None:
            raise FrameError("Binary frames are not supported; send JSON text.", "not_json")
        limit = settings.EMS_WS_MAX_FRAME_BYTES
        if len(text_data) > limit or len(text_data.encode()) > limit:
            raise FrameError(f"The frame is larger than {limit} bytes.", "too_large")
        try:
            frame = json.loads(text_data)
        except ValueError as error:
            raise FrameError("The frame is not valid JSON.", "not_json") from error
        except RecursionError as error:
            # json recurses once per level; a frame under the size limit can still nest too deeply.
            raise FrameError("The frame is nested too deeply.", "not_json") from error
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise FrameError("A frame is a JSON object with a string `type`.", "invalid")
        return frame

    async def frame_ping(self, frame: dict) -> None:
        await self.send_json({"type": "pong"})
