"""Registration, tokens, refresh rotation and sign-out through the HTTP interface."""

import pytest
from rest_framework.test import APIClient

from apps.users.models import User
from ems.vocabulary import Role
from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(username: str, password: str = STRONG_PASSWORD) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def _me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/users/me/")


class TestRegister:
    def test_it_creates_a_client_account(self):
        response = APIClient().post(
            "/api/auth/register/",
            {"username": "dora", "password": STRONG_PASSWORD, "name": "Dora", "email": "d@x.org"},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["role"] == "client"
        assert body["username"] == "dora"
        assert set(body) == {"id", "username", "name", "email", "role", "timezone", "is_active"}

    def test_it_ignores_role_staff_and_superuser_in_the_body(self):
        response = APIClient().post(
            "/api/auth/register/",
            {
                "username": "mallory",
                "password": STRONG_PASSWORD,
                "name": "M",
                "role": "admin",
                "is_staff": True,
                "is_superuser": True,
            },
        )
        assert response.status_code == 201
        user = User.objects.get(username="mallory")
        assert (user.role, user.is_staff, user.is_superuser) == (Role.CLIENT, False, False)

    def test_it_rejects_a_duplicate_username_with_a_message(self, client_a):
        response = APIClient().post(
            "/api/auth/register/",
            {"username": client_a.username, "password": STRONG_PASSWORD, "name": "Again"},
        )
        assert response.status_code == 400
        assert "already exists" in response.json()["detail"]
        assert "username" in response.json()["errors"]

    def test_it_rejects_a_weak_password_with_a_message(self):
        response = APIClient().post(
            "/api/auth/register/", {"username": "weak", "password": "12345678", "name": "Weak"}
        )
        assert response.status_code == 400
        assert "password" in response.json()["errors"]
        assert not User.objects.filter(username="weak").exists()

    def test_it_rejects_missing_fields_and_bad_json_without_a_500(self):
        assert APIClient().post("/api/auth/register/", {}).status_code == 400
        response = APIClient().post(
            "/api/auth/register/", data="{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_it_rejects_json_nested_too_deeply_without_a_500(self):
        # Parsing recurses once per level: deep enough nesting exhausts Python's recursion limit.
        response = APIClient().post(
            "/api/auth/register/",
            data="[" * 100_000 + "]" * 100_000,
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_the_new_account_can_sign_in(self):
        APIClient().post(
            "/api/auth/register/", {"username": "erin", "password": STRONG_PASSWORD, "name": "Erin"}
        )
        assert _me(_sign_in("erin")["access"]).json()["username"] == "erin"


class TestToken:
    def test_the_access_token_carries_role_name_and_timezone(self, client_a):
        from rest_framework_simplejwt.tokens import AccessToken

        token = AccessToken(_sign_in("alice")["access"])
        assert token["role"] == "client"
        assert token["name"] == "Alice Client"
        assert token["timezone"] == client_a.timezone
        assert token["exp"] - token["iat"] <= 15 * 60

    def test_wrong_password_is_401_with_a_message(self, client_a):
        response = APIClient().post(
            "/api/auth/token/", {"username": "alice", "password": "wrong-password"}
        )
        assert response.status_code == 401
        assert response.json()["detail"]

    def test_an_inactive_account_cannot_sign_in(self, client_a):
        client_a.is_active = False
        client_a.save()
        response = APIClient().post(
            "/api/auth/token/", {"username": "alice", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 401

    def test_it_creates_no_session_and_sets_no_session_cookie(self, client_a):
        from django.contrib.sessions.models import Session

        response = APIClient().post(
            "/api/auth/token/", {"username": "alice", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
        assert not Session.objects.exists()

    def test_a_failed_attempt_creates_no_session_either(self, client_a):
        from django.contrib.sessions.models import Session

        response = APIClient().post(
            "/api/auth/token/", {"username": "alice", "password": "wrong-password"}
        )
        assert response.status_code == 401
        assert "sessionid" not in response.cookies
        assert not Session.objects.exists()


class TestRefresh:
    def test_it_rotates_the_refresh_token(self, client_a):
        tokens = _sign_in("alice")
        response = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 200
        renewed = response.json()
        assert renewed["refresh"] != tokens["refresh"]
        assert _me(renewed["access"]).status_code == 200

    def test_the_new_access_token_has_the_current_role(self, client_a):
        tokens = _sign_in("alice")
        client_a.role = Role.ADMIN
        client_a.save()
        renewed = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        from rest_framework_simplejwt.tokens import AccessToken

        assert AccessToken(renewed.json()["access"])["role"] == "admin"


class TestLogout:
    def test_it_answers_205_and_the_refresh_token_stops_working(self, client_a):
        tokens = _sign_in("alice")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 205
        response = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 401

    def test_it_needs_a_signed_in_user(self, client_a):
        tokens = _sign_in("alice")
        response = APIClient().post("/api/auth/logout/", {"refresh": tokens["refresh"]})
        assert response.status_code == 401

    def test_it_refuses_another_accounts_refresh_token(self, client_a, client_b):
        alice, bob = _sign_in("alice"), _sign_in("bob")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {bob['access']}")
        assert client.post("/api/auth/logout/", {"refresh": alice["refresh"]}).status_code == 400
        refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": alice["refresh"]})
        assert refreshed.status_code == 200
