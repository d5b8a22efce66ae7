"""Repeated failed sign-ins lock the username out for a while, with a clear message."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _attempt(username: str, password: str):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password})


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
