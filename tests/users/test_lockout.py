"""Repeated failed sign-ins lock a username for one client address, and an address that fails
across many usernames is refused, each for a while with a clear message."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.factories import STRONG_PASSWORD, create_user

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _fresh_address_counts():
    cache.clear()
    yield
    cache.clear()


def _attempt(username: str, password: str, address: str = "127.0.0.1", **headers):
    return APIClient(REMOTE_ADDR=address, **headers).post(
        "/api/auth/token/", {"username": username, "password": password}
    )


def _form_attempt(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def test_the_username_is_locked_after_the_failure_limit(client_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt("alice", "wrong-password").status_code == 401
    assert _attempt("alice", "wrong-password").status_code == 429
    response = _attempt("alice", STRONG_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]


def test_other_usernames_are_not_locked(client_a, client_b):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt("alice", "wrong-password")
    assert _attempt("bob", STRONG_PASSWORD).status_code == 200


def test_a_success_before_the_limit_resets_the_count(client_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt("alice", "wrong-password")
    assert _attempt("alice", STRONG_PASSWORD).status_code == 200
    assert _attempt("alice", "wrong-password").status_code == 401
    assert _attempt("alice", STRONG_PASSWORD).status_code == 200


def test_failed_sign_ins_are_logged_without_the_password(client_a, caplog):
    caplog.set_level("INFO", logger="ems.auth")
    _attempt("alice", "my-secret-guess")
    assert "alice" in caplog.text
    assert "my-secret-guess" not in caplog.text


def test_one_address_cannot_lock_another_addresss_user_out(client_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt("alice", "wrong-password", ATTACKER)
    assert _attempt("alice", STRONG_PASSWORD, ATTACKER).status_code == 429
    assert _attempt("alice", STRONG_PASSWORD, VICTIM).status_code == 200


def test_the_administrators_account_is_not_locked_for_everyone(admin):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _form_attempt("root", "wrong-password", ATTACKER)
    assert _form_attempt("root", STRONG_PASSWORD, VICTIM).status_code == 302


@override_settings(EMS_SIGN_IN_FAILURES_PER_ADDRESS=8)
def test_an_address_that_sprays_one_password_over_many_usernames_gets_429(client_a):
    for number in range(8):
        create_user(username=f"sprayed{number}")
        assert _attempt(f"sprayed{number}", "Summer2026!", ATTACKER).status_code == 401
    refused = _attempt("alice", STRONG_PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many failed sign-in attempts from your address")
    assert int(refused["Retry-After"]) > 0
    # Other addresses are not concerned.
    assert _attempt("alice", STRONG_PASSWORD, VICTIM).status_code == 200


@override_settings(EMS_SIGN_IN_FAILURES_PER_ADDRESS=6)
def test_the_form_and_the_api_count_an_addresss_failures_together(client_a):
    for number in range(3):
        _attempt(f"nobody{number}", "wrong-password", ATTACKER)
        _form_attempt(f"someone{number}", "wrong-password", ATTACKER)
    page = _form_attempt("alice", STRONG_PASSWORD, ATTACKER)
    assert page.status_code == 429
    assert b"from your address" in page.content
    assert _attempt("alice", STRONG_PASSWORD, ATTACKER).status_code == 429


@override_settings(EMS_SIGN_IN_FAILURES_PER_ADDRESS=6)
def test_a_success_does_not_wipe_an_addresss_failures(client_a):
    for number in range(5):
        _attempt(f"nobody{number}", "wrong-password", ATTACKER)
    assert _attempt("alice", STRONG_PASSWORD, ATTACKER).status_code == 200
    _attempt("nobody", "wrong-password", ATTACKER)
    assert _attempt("alice", STRONG_PASSWORD, ATTACKER).status_code == 429


def test_behind_the_proxy_the_forwarded_address_is_the_client(settings, client_a):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt("alice", "wrong-password", PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert (
        _attempt("alice", STRONG_PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    )
    assert _attempt("alice", STRONG_PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=VICTIM).status_code == 200


def test_without_a_proxy_a_forged_forwarded_header_does_not_escape_the_lock(client_a):
    for number in range(settings.AXES_FAILURE_LIMIT):
        forged = f"192.0.2.{number}"
        _attempt("alice", "wrong-password", ATTACKER, HTTP_X_FORWARDED_FOR=forged)
    escaped = _attempt("alice", STRONG_PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert escaped.status_code == 429


def test_a_forwarded_header_that_is_no_address_is_not_a_500(settings, client_a):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    response = _attempt("alice", "wrong-password", PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
    assert response.status_code == 401
