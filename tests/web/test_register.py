"""Creating an account with the form: a client account, signed in at once; clear field errors."""

import pytest
from django.test import Client

from apps.users.models import User
from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _form(**fields):
    data = {
        "username": "carol",
        "name": "Carol Client",
        "email": "carol@example.com",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    return {**data, **fields}


def test_registration_creates_a_client_and_signs_them_in():
    browser = Client()
    response = browser.post("/register/", _form(), follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    user = User.objects.get(username="carol")
    assert user.role == "client"
    assert user.check_password(STRONG_PASSWORD)
    assert browser.session["_auth_user_id"] == str(user.id)
    assert b"Welcome, Carol Client" in response.content


def test_registration_ignores_a_role_in_the_form():
    Client().post("/register/", _form(role="admin", is_staff="on"))
    user = User.objects.get(username="carol")
    assert user.role == "client"
    assert not user.is_staff


def test_a_taken_username_is_reported_on_its_field(client_a):
    response = Client().post("/register/", _form(username="alice"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "A user with that username already exists."
    ]
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_weak_password_is_reported_on_the_password_field():
    response = Client().post("/register/", _form(password1="12345678", password2="12345678"))
    assert response.status_code == 400
    errors = response.context["form"].errors["password1"]
    assert any("too common" in error for error in errors)
    assert not User.objects.filter(username="carol").exists()


def test_differing_passwords_are_reported_on_the_second_field():
    response = Client().post("/register/", _form(password2="something-else-entirely-9"))
    assert response.status_code == 400
    assert response.context["form"].errors["password2"] == ["The two passwords differ."]


def test_missing_fields_are_each_reported():
    response = Client().post("/register/", {})
    errors = response.context["form"].errors
    assert set(errors) == {"username", "name", "password1", "password2"}
