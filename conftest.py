"""Fixtures shared by every test package: accounts of each role, API clients signed in as them,
and browsers (Django's test client) signed in with a session."""

import pytest

from ems.vocabulary import Role
from tests.factories import api_client_for, create_user, signed_in

pytest_plugins = ["tests.exit_guard"]


@pytest.fixture
def client_a(db):
    return create_user(role=Role.CLIENT, username="alice", name="Alice Client")


@pytest.fixture
def client_b(db):
    return create_user(role=Role.CLIENT, username="bob", name="Bob Client")


@pytest.fixture
def admin(db):
    return create_user(role=Role.ADMIN, username="root", name="Ada Admin")


@pytest.fixture
def anonymous_api():
    return api_client_for(None)


@pytest.fixture
def api_a(client_a):
    return api_client_for(client_a)


@pytest.fixture
def api_b(client_b):
    return api_client_for(client_b)


@pytest.fixture
def api_admin(admin):
    return api_client_for(admin)


@pytest.fixture
def client_browser(client_a):
    return signed_in(client_a)


@pytest.fixture
def admin_browser(admin):
    return signed_in(admin)
