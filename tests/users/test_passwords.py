"""Passwords are hashed with Argon2 and checked against Django's validators."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from apps.users import services
from ems.settings import base


def test_argon2_is_the_first_hasher_outside_tests():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_a_registered_password_is_stored_as_an_argon2_hash():
    user = services.user_register(username="carol", password="a-long-pass-phrase-9", name="Carol")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert "a-long-pass-phrase-9" not in user.password
    assert user.check_password("a-long-pass-phrase-9")
