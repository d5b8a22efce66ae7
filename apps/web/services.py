"""The short-lived access token the web pages' JavaScript uses.

The REST APIs stay stateless (JWT only): a page never calls them with its session cookie. It asks
`POST /web/token/` (session + CSRF) for an access token and sends it as `Authorization: Bearer`.
"""

from apps.users.models import User
from apps.users.tokens import access_token_for


def browser_access_token(*, user: User) -> dict[str, str | int]:
    """A fresh access token for a signed-in person; the refresh token never leaves the server."""
    access = access_token_for(user)
    return {"access": str(access), "expires_at": int(access["exp"])}
