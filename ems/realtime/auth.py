"""Who is on a socket: credentials from the `Sec-WebSocket-Protocol` header, never the URL.

A socket offers `["ems.jwt", "<access token>"]` (scripts) or `["ems.ticket", "<ticket>"]`
(the browser, with a ticket from `POST /api/ws-ticket/`); the server accepts with the marker
("ems.jwt" / "ems.ticket"), never echoing the credential. Both are checked without the users
database: the JWT by its signature and expiry, the ticket by one read of Redis.
"""

import time
from dataclasses import dataclass

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from ems.authentication import TokenUser

from .tickets import ticket_redeem

JWT_PROTOCOL = "ems.jwt"
TICKET_PROTOCOL = "ems.ticket"
_MAX_CREDENTIAL_LENGTH = 4096


@dataclass(frozen=True)
class SocketCredentials:
    user: TokenUser
    expires_at: float  # epoch seconds: the socket is closed then


def offered_credentials(scope) -> tuple[str | None, str | None]:
    """The credential marker the client offered and the value that follows it."""
    subprotocols = list(scope.get("subprotocols") or [])
    for marker in (JWT_PROTOCOL, TICKET_PROTOCOL):
        if marker in subprotocols:
            position = subprotocols.index(marker) + 1
            value = subprotocols[position] if position < len(subprotocols) else None
            return marker, value
    return None, None


def _claims_from_jwt(value: str) -> dict | None:
    try:
        return dict(AccessToken(value).payload)
    except TokenError:
        return None


async def socket_authenticate(*, marker: str | None, value: str | None) -> SocketCredentials | None:
    """The signed-in user behind the offered credential, or None if it is missing or invalid."""
    if not marker or not value or len(value) > _MAX_CREDENTIAL_LENGTH:
        return None
    if marker == JWT_PROTOCOL:
        claims = _claims_from_jwt(value)
    else:
        claims = await ticket_redeem(ticket=value)
    if not claims or "user_id" not in claims or float(claims.get("exp", 0)) <= time.time():
        return None
    return SocketCredentials(user=TokenUser(claims), expires_at=float(claims["exp"]))
