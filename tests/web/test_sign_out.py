"""Signing out is a POST with a CSRF token; a link or a forged form cannot sign anyone out."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_signing_out_ends_the_session(client_browser):
    response = client_browser.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert b"You are signed out." in response.content
    assert "_auth_user_id" not in client_browser.session
    assert client_browser.get("/dashboard/")["Location"].startswith("/login/")


def test_a_get_does_not_sign_out(client_browser):
    assert client_browser.get("/logout/").status_code == 405
    assert client_browser.get("/dashboard/").status_code == 200


def test_a_post_without_the_csrf_token_is_refused(client_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.post("/logout/").status_code == 403
    assert browser.get("/dashboard/").status_code == 200
