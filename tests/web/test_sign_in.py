"""Signing in with the form: each role lands on its own page; failures say why."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(browser: Client, username: str, password: str = STRONG_PASSWORD, follow=False):
    return browser.post("/login/", {"username": username, "password": password}, follow=follow)


def test_the_sign_in_page_has_a_labelled_form_with_csrf():
    response = Client().get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_username"' in html
    assert '<label for="id_password"' in html
    assert 'class="skip-link" href="#main"' in html


def test_a_client_lands_on_the_dashboard(client_a):
    browser = Client()
    response = _sign_in(browser, "alice", follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.status_code == 200


def test_an_administrator_lands_in_the_admin(admin):
    browser = Client()
    response = _sign_in(browser, "root", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert b"EMS administration" in response.content


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client_a):
    browser = Client()
    response = _sign_in(browser, "alice", "not-the-password")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in browser.session


def test_a_locked_out_username_gets_the_styled_lockout_page(client_a):
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(browser, "alice", "not-the-password")
    response = _sign_in(browser, "alice")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "css/ems.css" in html
    assert "_auth_user_id" not in browser.session


def test_a_signed_in_person_visiting_the_sign_in_page_goes_to_their_page(client_browser):
    response = client_browser.get("/login/", follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"


def test_the_site_root_sends_each_person_to_their_page(client_browser, admin_browser):
    assert Client().get("/")["Location"] == "/login/"
    assert client_browser.get("/")["Location"] == "/dashboard/"
    assert admin_browser.get("/")["Location"] == "/admin/"
