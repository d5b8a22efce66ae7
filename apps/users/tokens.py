"""JWTs for an account: the claims other processes rely on instead of reading the users database."""

from rest_framework_simplejwt.tokens import RefreshToken

from .models import User


def refresh_token_for(user: User) -> RefreshToken:
    """A refresh token whose access tokens carry the account's role, name and time zone."""
    refresh = RefreshToken.for_user(user)
    refresh["role"] = user.role
    refresh["name"] = user.name
    refresh["timezone"] = user.timezone
    return refresh


def token_pair_for(user: User) -> dict[str, str]:
    refresh = refresh_token_for(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}
