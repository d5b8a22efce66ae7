"""Every forged, stale or revoked token is answered 401."""

import base64
import json
import threading
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.users import services
from apps.users.models import User
from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(username: str) -> dict:
    return (
        APIClient()
        .post("/api/auth/token/", {"username": username, "password": STRONG_PASSWORD})
        .json()
    )


def _me_status(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/users/me/").status_code


def _refresh_status(refresh: str) -> int:
    return APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}).status_code


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_valid_access_token_is_accepted(client_a):
    assert _me_status(_sign_in("alice")["access"]) == 200


def test_a_tampered_signature_is_refused(client_a):
    header, payload, signature = _sign_in("alice")["access"].split(".")
    forged = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    assert _me_status(f"{header}.{payload}.{forged}") == 401


def test_a_tampered_payload_is_refused(client_a):
    header, payload, signature = _sign_in("alice")["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    assert _me_status(f"{header}.{_b64(claims)}.{signature}") == 401


def test_an_unsigned_alg_none_token_is_refused(client_a):
    claims = jwt.decode(_sign_in("alice")["access"], options={"verify_signature": False})
    claims["role"] = "admin"
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert _me_status(forged) == 401


def test_a_token_signed_with_another_key_is_refused(client_a):
    claims = jwt.decode(_sign_in("alice")["access"], options={"verify_signature": False})
    forged = jwt.encode(claims, "some-other-key-of-sufficient-length-000", algorithm="HS256")
    assert _me_status(forged) == 401


def test_the_signing_key_is_not_the_secret_key():
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY


def test_an_expired_access_token_is_refused(client_a):
    token = AccessToken(_sign_in("alice")["access"])
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert _me_status(str(token)) == 401


def test_a_refresh_token_used_as_an_access_token_is_refused(client_a):
    assert _me_status(_sign_in("alice")["refresh"]) == 401


def test_a_rotated_away_refresh_token_is_refused(client_a):
    old = _sign_in("alice")["refresh"]
    assert _refresh_status(old) == 200
    assert _refresh_status(old) == 401


def test_a_refresh_token_after_logout_is_refused(client_a):
    tokens = _sign_in("alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    assert _refresh_status(tokens["refresh"]) == 401


def test_a_deactivated_users_refresh_token_is_refused(client_a):
    tokens = _sign_in("alice")
    services.user_deactivate(user=client_a)
    assert _refresh_status(tokens["refresh"]) == 401


def test_the_refresh_token_of_an_account_deactivated_without_signals_is_refused(client_a):
    # A bulk update runs no service and no signal: the refresh tokens are not blacklisted, so
    # only the refresh's own check of the account's state can refuse it.
    tokens = _sign_in("alice")
    User.objects.filter(id=client_a.id).update(is_active=False)
    response = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401
    assert "No active account" in response.json()["detail"]


def test_a_deleted_users_refresh_token_is_refused(client_a):
    tokens = _sign_in("alice")
    services.user_delete(user=client_a)
    assert _refresh_status(tokens["refresh"]) == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer not.a.token", "Token abc", "Basic YTpi"])
def test_a_malformed_authorization_header_is_refused(client_a, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/users/me/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_refresh_token_sent_several_times_at_once_rotates_only_once(client_a):
    """Rotation holds under concurrency: one refresh token never yields two live pairs."""
    refresh = _sign_in("alice")["refresh"]
    attempts = 4
    start = threading.Barrier(attempts, timeout=10)
    statuses = []

    def attempt() -> None:
        try:
            start.wait()
            statuses.append(_refresh_status(refresh))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200] + [401] * (attempts - 1)


def test_a_refresh_token_issued_before_a_new_password_is_refused(client_a, api_admin):
    """A password reset by an administrator signs the account out of every client holding it."""
    tokens = _sign_in("alice")
    response = api_admin.patch(
        f"/api/users/{client_a.id}/", {"password": "another-strong-password-77"}, format="json"
    )
    assert response.status_code == 200
    assert _refresh_status(tokens["refresh"]) == 401
    assert (
        APIClient()
        .post("/api/auth/token/", {"username": "alice", "password": "another-strong-password-77"})
        .status_code
        == 200
    )
