"""Short-lived single-use WebSocket tickets, kept in Redis with the claims of who asked for one.

The web process issues a ticket to a signed-in browser (session) or a script (JWT); the realtime
process redeems it with one atomic GETDEL, so it reads neither the sessions nor the users table.
"""

import json
import secrets

import redis
import redis.asyncio
from django.conf import settings

_KEY_PREFIX = "ems:ws-ticket:"


def ticket_issue(*, user_id: int, role: str, name: str, timezone: str, expires_at: int) -> str:
    """A new ticket for these claims; `expires_at` (epoch seconds) ends the socket it opens."""
    ticket = secrets.token_urlsafe(32)
    claims = {
        "user_id": user_id,
        "role": role,
        "name": name,
        "timezone": timezone,
        "exp": expires_at,
    }
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.set(_KEY_PREFIX + ticket, json.dumps(claims), ex=settings.EMS_WS_TICKET_SECONDS)
    finally:
        client.close()
    return ticket


async def ticket_redeem(*, ticket: str) -> dict | None:
    """The ticket's claims, once: a second redeem (or one after it lapsed) gets None."""
    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    try:
        stored = await client.getdel(_KEY_PREFIX + ticket)
    finally:
        await client.aclose()
    return json.loads(stored) if stored else None
