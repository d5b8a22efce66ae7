"""What a person may change of their own account: password, time zone; and leaving for good.

Kept apart from services.py (what administrators and sign-in do) so each reads on its own; the
rules of a password and of a time zone are the model's and services.py's, applied the same way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .events import publish_account_changed
from .models import User
from .services import _revoke_refresh_tokens, _validate_password


def own_password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one; every refresh token is revoked.

    Django's sessions carry a hash of the password, so every other signed-in browser is signed
    out by the change too; the caller keeps its own session with `update_session_auth_hash`.
    """
    if not user.check_password(current_password):
        raise ValidationError({"current_password": "That is not your current password."})
    if current_password == new_password:
        raise ValidationError({"new_password": "Choose a password different from the current one."})
    _validate_password(new_password, user)
    user.set_password(new_password)
    with transaction.atomic(using="default"):
        user.save(using="default", update_fields=["password"])
        _revoke_refresh_tokens(user)
    return user


def own_timezone_change(*, user: User, timezone: str) -> User:
    """Days and hours are shown in this zone from the next page or token on."""
    user.timezone = timezone
    user.full_clean(validate_unique=False)
    with transaction.atomic(using="default"):
        user.save(using="default", update_fields=["timezone"])
    return user


NOTIFICATION_FIELDS = ("alert_mail", "quiet_hours_start", "quiet_hours_end")


def own_notifications_change(*, user: User, **changes) -> User:
    """Alert e-mail: immediately, daily digest or off, and the quiet hours (local times)."""
    fields = [name for name in NOTIFICATION_FIELDS if name in changes]
    for name in fields:
        setattr(user, name, changes[name])
    user.full_clean(validate_unique=False)
    with transaction.atomic(using="default"):
        user.save(using="default", update_fields=fields)
    return user


def own_account_delete(*, user: User, password: str) -> int:
    """A client deletes their own account after giving the password; returns the old id.

    Refresh tokens are revoked first (the rows outlive the account with no user), and the
    account event makes the devices app unassign the meters (apps.devices.services). The chat
    is anonymised by the web process, which holds the chat database (apps.chat.account_data).
    """
    if user.is_admin:
        raise ValidationError("An administrator's account is deleted by another administrator.")
    if not user.check_password(password):
        raise ValidationError({"password": "That is not your password."})
    user_id, role = user.id, user.role
    with transaction.atomic(using="default"):
        _revoke_refresh_tokens(user)
        user.delete(using="default")
        publish_account_changed(user_id=user_id, is_active=False, role=role, deleted=True)
    return user_id
