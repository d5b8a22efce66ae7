"""/api/users/me/: a person changes their own time zone and password; registration's time zone."""

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from apps.users.models import User
from tests.factories import STRONG_PASSWORD, api_client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-phrase-17"


def _sign_in(password: str = STRONG_PASSWORD, username: str = "alice"):
    return api_client_for(None).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_it_changes_the_time_zone(api_a, client_a):
    response = api_a.patch("/api/users/me/", {"timezone": "America/Chicago"}, format="json")
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/Chicago"
    client_a.refresh_from_db()
    assert client_a.timezone == "America/Chicago"


def test_it_refuses_an_unknown_time_zone(api_a, client_a):
    response = api_a.patch("/api/users/me/", {"timezone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]
    client_a.refresh_from_db()
    assert client_a.timezone != "Mars/Olympus"


def test_a_new_token_carries_the_new_time_zone(api_a):
    api_a.patch("/api/users/me/", {"timezone": "Asia/Tokyo"}, format="json")
    refresh = _sign_in().json()["refresh"]
    pair = api_client_for(None).post("/api/auth/token/refresh/", {"refresh": refresh})
    assert AccessToken(pair.json()["access"])["timezone"] == "Asia/Tokyo"


def test_it_changes_the_password_and_revokes_every_refresh_token(api_a, client_a):
    refresh = _sign_in().json()["refresh"]
    response = api_a.post(
        "/api/users/me/password/",
        {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 204
    assert _sign_in(NEW_PASSWORD).status_code == 200
    assert _sign_in(STRONG_PASSWORD).status_code == 401
    renewed = api_client_for(None).post("/api/auth/token/refresh/", {"refresh": refresh})
    assert renewed.status_code == 401


def test_it_refuses_a_wrong_current_password(api_a, client_a):
    response = api_a.post(
        "/api/users/me/password/",
        {"current_password": "not-my-password-at-all", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert "current_password" in response.json()["errors"]
    client_a.refresh_from_db()
    assert client_a.check_password(STRONG_PASSWORD)


def test_it_refuses_a_weak_new_password(api_a, client_a):
    response = api_a.post(
        "/api/users/me/password/",
        {"current_password": STRONG_PASSWORD, "new_password": "12345678"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_changing_the_password_needs_a_token(anonymous_api):
    response = anonymous_api.post(
        "/api/users/me/password/",
        {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 401


def test_registration_honours_the_time_zone(anonymous_api):
    response = anonymous_api.post(
        "/api/auth/register/",
        {
            "username": "zoe",
            "password": STRONG_PASSWORD,
            "name": "Zoe Zone",
            "timezone": "Australia/Sydney",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["timezone"] == "Australia/Sydney"
    assert User.objects.get(username="zoe").timezone == "Australia/Sydney"


def test_registration_refuses_an_unknown_time_zone(anonymous_api):
    response = anonymous_api.post(
        "/api/auth/register/",
        {"username": "zoe", "password": STRONG_PASSWORD, "name": "Zoe", "timezone": "Nowhere"},
        format="json",
    )
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]
