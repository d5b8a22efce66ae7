"""The Django admin for accounts: administrators manage them, clients cannot enter."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tokens import token_pair_for
from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(admin):
    browser = Client()
    browser.force_login(admin)
    return browser


def test_the_account_list_renders_with_filters_and_search(admin_browser, client_a):
    response = admin_browser.get("/admin/users/user/?role__exact=client&q=ali")
    assert response.status_code == 200
    assert b"alice" in response.content


def test_an_administrator_creates_an_account_with_a_password(admin_browser):
    response = admin_browser.post(
        "/admin/users/user/add/",
        {
            "username": "frank",
            "name": "Frank",
            "email": "",
            "role": "client",
            "timezone": "Europe/Bucharest",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content
    assert User.objects.get(username="frank").check_password(STRONG_PASSWORD)


def test_the_deactivate_action_deactivates_accounts(admin_browser, client_a):
    admin_browser.post(
        "/admin/users/user/", {"action": "deactivate_selected", "_selected_action": [client_a.pk]}
    )
    client_a.refresh_from_db()
    assert not client_a.is_active


def test_a_client_cannot_enter_the_admin(client_a):
    browser = Client()
    browser.force_login(client_a)
    response = browser.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_a_new_password_set_in_the_admin_ends_the_accounts_refresh_tokens(admin_browser, client_a):
    refresh = token_pair_for(client_a)["refresh"]
    response = admin_browser.post(
        f"/admin/users/user/{client_a.id}/password/",
        {
            "password1": "another-strong-password-77",
            "password2": "another-strong-password-77",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content
    client_a.refresh_from_db()
    assert client_a.check_password("another-strong-password-77")
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}).status_code == 401
