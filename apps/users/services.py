"""Writes to accounts: registration, administration, sign-in tokens and sign-out."""

import logging

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from ems.vocabulary import Role

from .events import publish_account_changed
from .models import USERNAME_TAKEN, User
from .tokens import token_pair_for

logger = logging.getLogger("ems.auth")


class AuthenticationError(Exception):
    """Credentials or a token were refused; the message is safe to show."""


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


def _account_errors(user: User, password: str) -> dict[str, list[str]]:
    """Every problem of a new account at once: the password's and the fields' (a taken name)."""
    errors: dict[str, list[str]] = {}
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    return errors


def user_registration_errors(
    *, username: str, password: str, name: str, email: str = ""
) -> dict[str, list[str]]:
    """What registering these values would refuse, by field (for forms that failed elsewhere)."""
    return _account_errors(User(username=username, name=name, email=email), password)


def user_create(
    *,
    username: str,
    password: str,
    name: str,
    email: str = "",
    role: str = Role.CLIENT,
    timezone: str | None = None,
    is_active: bool = True,
) -> User:
    user = User(username=username, name=name, email=email, role=role, is_active=is_active)
    if timezone:
        user.timezone = timezone
    errors = _account_errors(user, password)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic(using="default"):
            user.save(using="default")
    except IntegrityError as error:
        # Two sign-ups of one name at once both passed the check above: the database's
        # constraints decide, and the loser hears what a sequential one would have.
        if "username" not in str(error):
            raise
        raise ValidationError({"username": [USERNAME_TAKEN]}) from error
    return user


def user_register(
    *, username: str, password: str, name: str, email: str = "", timezone: str | None = None
) -> User:
    """Self-registration always makes a client; nothing in the request can make an admin."""
    return user_create(
        username=username, password=password, name=name, email=email, timezone=timezone
    )


def _revoke_refresh_tokens(user: User) -> None:
    outstanding = OutstandingToken.objects.using("default").filter(user=user)
    BlacklistedToken.objects.using("default").bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


def user_refresh_tokens_revoke(*, user: User) -> None:
    """Sign the account out of every client: none of its refresh tokens renews any more."""
    with transaction.atomic(using="default"):
        _revoke_refresh_tokens(user)


def user_change_check(*, user: User, data: dict, acting_user_id: int | None) -> None:
    """Refuse an administrator's taking away their own role or access.

    Another administrator must do it: the last one could otherwise lock everyone out. Every
    interface that changes accounts (the API, the Django admin) asks this before it saves.
    """
    if acting_user_id is None or user.id != acting_user_id:
        return
    errors = {}
    if "role" in data and data["role"] != user.role:
        errors["role"] = "You cannot take away your own account's role; ask another administrator."
    if data.get("is_active") is False:
        errors["is_active"] = "You cannot deactivate your own account; ask another administrator."
    if errors:
        raise ValidationError(errors)


def user_update(*, user: User, data: dict, acting_user_id: int | None = None) -> User:
    """Change an account's fields; a new `password` is validated and hashed.

    `acting_user_id` is the administrator making the change (None for the system itself).
    """
    user_change_check(user=user, data=data, acting_user_id=acting_user_id)
    was_active, old_role = user.is_active, user.role
    password = data.pop("password", None)
    for field, value in data.items():
        setattr(user, field, value)
    if password is not None:
        _validate_password(password, user)
        user.set_password(password)
    user.full_clean()
    with transaction.atomic(using="default"):
        user.save(using="default")
        if (was_active and not user.is_active) or password is not None:
            # A deactivated account can no longer renew its access tokens; a new password signs
            # out every client that signed in with the old one (as it ends Django's sessions).
            _revoke_refresh_tokens(user)
        if was_active != user.is_active or old_role != user.role:
            publish_account_changed(
                user_id=user.id, is_active=user.is_active, role=user.role, deleted=False
            )
    return user


def user_deactivate(*, user: User, acting_user_id: int | None = None) -> User:
    return user_update(user=user, data={"is_active": False}, acting_user_id=acting_user_id)


def user_delete(*, user: User, acting_user_id: int | None = None) -> None:
    if acting_user_id is not None and user.id == acting_user_id:
        raise ValidationError("You cannot delete your own account; ask another administrator.")
    user_id, role = user.id, user.role
    with transaction.atomic(using="default"):
        user.delete(using="default")
        publish_account_changed(user_id=user_id, is_active=False, role=role, deleted=True)


def auth_token_obtain(*, request: HttpRequest, username: str, password: str) -> dict[str, str]:
    """Check the credentials (django-axes counts failures) and issue a token pair."""
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        # A locked-out username also lands here; django-axes' middleware then answers with
        # apps.users.lockout.lockout_response instead of this view's 401.
        raise AuthenticationError("No active account found with the given credentials.")
    # The same signal as a session sign-in: it updates last_login, resets django-axes' failure
    # count for the username and logs the sign-in (apps.users.signals).
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token_pair_for(user)


def auth_token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate: the old refresh token is blacklisted and a new pair carries fresh claims."""
    try:
        old = RefreshToken(refresh)
    except TokenError as error:
        raise AuthenticationError("The refresh token is invalid, expired or revoked.") from error
    user = User.objects.using("default").filter(id=old.get("user_id"), is_active=True).first()
    if user is None:
        raise AuthenticationError("No active account found for the given token.")
    with transaction.atomic(using="default"):
        # Concurrent refreshes of one token queue on its outstanding row and check the blacklist
        # again once they hold it: only the first rotates, the others are refused.
        # (Unordered: the model's default ordering joins the nullable user, which FOR UPDATE
        # refuses.)
        OutstandingToken.objects.using("default").select_for_update().filter(
            jti=old[api_settings.JTI_CLAIM]
        ).order_by().first()
        try:
            old.check_blacklist()
        except TokenError as error:
            raise AuthenticationError(
                "The refresh token is invalid, expired or revoked."
            ) from error
        old.blacklist()
        return token_pair_for(user)


def auth_logout(*, refresh: str, user_id: int) -> None:
    try:
        token = RefreshToken(refresh)
    except TokenError as error:
        raise AuthenticationError("The refresh token is invalid, expired or revoked.") from error
    if str(token.get("user_id")) != str(user_id):
        raise AuthenticationError("That refresh token belongs to another account.")
    token.blacklist()
    logger.info("signed out: user_id=%s", user_id)
