"""Session sign-in for the web pages, and the short-lived access token the pages' JavaScript uses.

The REST APIs stay stateless (JWT only): a page never calls them with its session cookie. It asks
`POST /web/token/` (session + CSRF) for an access token and sends it as `Authorization: Bearer`.
"""

from django.contrib.auth import login
from django.http import HttpRequest

from apps.users.models import User
from apps.users.tokens import access_token_for

# Stored at sign-in so other processes that share the session (the realtime server) can know who
# is signed in without reading the users database: the same facts as the access token's claims.
SESSION_ACCOUNT_KEY = "ems_account"


def session_sign_in(*, request: HttpRequest, user: User, backend: str | None = None) -> None:
    login(request, user, backend=backend)
    request.session[SESSION_ACCOUNT_KEY] = {
        "id": user.id,
        "role": user.role,
        "name": user.name,
        "timezone": user.timezone,
    }


def browser_access_token(*, user: User) -> dict[str, str | int]:
    """A fresh access token for a signed-in person; the refresh token never leaves the server."""
    access = access_token_for(user)
    return {"access": str(access), "expires_at": int(access["exp"])}
