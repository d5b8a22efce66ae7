"""Fixtures of the web pages: browsers (Django's test client) signed in with a session."""

import pytest
from django.test import Client


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return browser


@pytest.fixture
def client_browser(client_a):
    return signed_in(client_a)


@pytest.fixture
def admin_browser(admin):
    return signed_in(admin)
