"""Reads of accounts. Other apps use these functions (never the model) to learn about users."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ems.vocabulary import Role

from .db_roles import SUMMARY_COLUMNS
from .models import User


@dataclass(frozen=True)
class AccountSummary:
    """What another app may know of an account: enough to show it and to check it."""

    id: int
    username: str
    name: str
    role: str
    is_active: bool


def _summary(user: User) -> AccountSummary:
    return AccountSummary(
        id=user.id, username=user.username, name=user.name, role=user.role, is_active=user.is_active
    )


def user_list(
    *, role: str | None = None, is_active: bool | None = None, search: str | None = None
) -> QuerySet[User]:
    users = User.objects.using("default").order_by("username")
    if role:
        users = users.filter(role=role)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search)
        )
    return users


def user_get(*, user_id: int) -> User | None:
    return User.objects.using("default").filter(id=user_id).first()


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.using("default").filter(username=username).first()


def _summaries() -> QuerySet[User]:
    # Only the summary's columns: the read-only role of other processes may read no others
    # (apps/users/db_roles.py).
    return User.objects.using("default").only(*SUMMARY_COLUMNS)


def account_get(*, user_id: int) -> AccountSummary | None:
    user = _summaries().filter(id=user_id).first()
    return _summary(user) if user else None


def accounts_by_id(*, user_ids: Iterable[int]) -> dict[int, AccountSummary]:
    """Summaries for many accounts in one query (for lists that show owners' names)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return {user.id: _summary(user) for user in _summaries().filter(id__in=ids)}


def client_accounts() -> list[AccountSummary]:
    """Active clients, for choosing the owner of a meter."""
    clients = _summaries().filter(role=Role.CLIENT, is_active=True).order_by("username")
    return [_summary(user) for user in clients]
