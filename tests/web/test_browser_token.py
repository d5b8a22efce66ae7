"""POST /web/token/: the pages' JavaScript trades its session for a short-lived access token."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db


def test_it_returns_an_access_token_with_the_accounts_claims(client_browser, client_a):
    response = client_browser.post("/web/token/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access", "expires_at"}
    token = AccessToken(body["access"])
    assert token["user_id"] == str(client_a.id)
    assert (token["role"], token["name"], token["timezone"]) == (
        "client",
        "Alice Client",
        client_a.timezone,
    )
    assert body["expires_at"] == token["exp"]


def test_the_token_authenticates_the_rest_api(client_browser):
    access = client_browser.post("/web/token/").json()["access"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api.get("/api/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_the_session_cookie_alone_does_not_authenticate_the_rest_api(client_browser):
    assert client_browser.get("/api/users/me/").status_code == 401


def test_it_refuses_an_anonymous_visitor():
    response = Client().post("/web/token/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in first."}


def test_it_refuses_a_post_without_the_csrf_token(client_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.post("/web/token/").status_code == 403


def test_it_refuses_a_get(client_browser):
    assert client_browser.get("/web/token/").status_code == 405


def test_a_deactivated_account_gets_no_token(client_browser, client_a):
    client_a.is_active = False
    client_a.save()
    assert client_browser.post("/web/token/").status_code == 401
