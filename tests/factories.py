"""Builders for test data, through the apps' own services so the data is what production makes."""

import itertools

from django.test import Client
from rest_framework.test import APIClient

from apps.users import services as user_services
from apps.users.models import User
from apps.users.tokens import token_pair_for
from ems.vocabulary import Role

STRONG_PASSWORD = "correct-horse-battery-staple-42"
_sequence = itertools.count(1)


def create_user(*, role: str = Role.CLIENT, username: str | None = None, **fields) -> User:
    number = next(_sequence)
    return user_services.user_create(
        username=username or f"{role}{number}",
        password=fields.pop("password", STRONG_PASSWORD),
        name=fields.pop("name", f"{role.title()} Number {number}"),
        role=role,
        **fields,
    )


def api_client_for(user: User | None) -> APIClient:
    """An API client that sends the user's access token (or none, for `None`)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def signed_in(user) -> Client:
    """A browser (Django's test client) with a session of the user's, as after signing in."""
    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return browser
