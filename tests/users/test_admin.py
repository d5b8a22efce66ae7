"""The Django admin for accounts: administrators manage them, clients cannot enter."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tokens import token_pair_for
from ems.vocabulary import Role
from tests.factories import STRONG_PASSWORD, create_user

pytestmark = pytest.mark.django_db


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


def _change_form(user, **changes) -> dict:
    fields = {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "timezone": user.timezone,
        "is_active": "on" if user.is_active else "",
    }
    return {name: value for name, value in {**fields, **changes}.items() if value != ""}


@pytest.mark.parametrize(
    ("change", "field"), [({"role": "client"}, "role"), ({"is_active": ""}, "is_active")]
)
def test_an_administrator_cannot_demote_or_deactivate_themself_in_the_admin(
    admin_browser, admin, change, field
):
    response = admin_browser.post(
        f"/admin/users/user/{admin.id}/change/", _change_form(admin, **change)
    )
    assert response.status_code == 200
    assert "your own account" in str(response.context["adminform"].form.errors[field])
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == ("admin", True)


def test_an_administrator_can_rename_themself_in_the_admin(admin_browser, admin):
    response = admin_browser.post(
        f"/admin/users/user/{admin.id}/change/", _change_form(admin, name="Ada L.")
    )
    assert response.status_code == 302, response.content
    admin.refresh_from_db()
    assert admin.name == "Ada L."


def test_an_administrator_demotes_another_administrator_in_the_admin(admin_browser):
    other = create_user(role=Role.ADMIN, username="second", name="Second Admin")
    response = admin_browser.post(
        f"/admin/users/user/{other.id}/change/", _change_form(other, role="client")
    )
    assert response.status_code == 302, response.content
    other.refresh_from_db()
    assert (other.role, other.is_staff) == ("client", False)


def test_the_deactivate_action_leaves_the_administrators_own_account_active(
    admin_browser, admin, client_a
):
    response = admin_browser.post(
        "/admin/users/user/",
        {"action": "deactivate_selected", "_selected_action": [admin.pk, client_a.pk]},
        follow=True,
    )
    admin.refresh_from_db()
    client_a.refresh_from_db()
    assert (admin.is_active, client_a.is_active) == (True, False)
    assert "cannot deactivate your own account" in response.content.decode()


def test_an_administrator_cannot_delete_themself_in_the_admin(admin_browser, admin):
    response = admin_browser.post(f"/admin/users/user/{admin.id}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=admin.pk).exists()
