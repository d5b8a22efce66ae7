"""JWTs for an account: the claims other processes rely on instead of reading the users database."""

from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from .models import User


def _with_claims(token: Token, user: User) -> Token:
    token["role"] = user.role
    token["name"] = user.name
    token["timezone"] = user.timezone
    return token


def refresh_token_for(user: User) -> RefreshToken:
    """A refresh token (recorded for blacklisting) whose access tokens carry the claims."""
    return _with_claims(RefreshToken.for_user(user), user)


def access_token_for(user: User) -> AccessToken:
    """An access token alone, for a signed-in browser session: no refresh token is issued."""
    return _with_claims(AccessToken.for_user(user), user)


def token_pair_for(user: User) -> dict[str, str]:
    refresh = refresh_token_for(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}
