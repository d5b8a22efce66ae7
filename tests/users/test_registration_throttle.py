"""Self-registration is rate limited per client address, over the API and the form together."""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_a_minute():
    cache.clear()
    with override_settings(EMS_REGISTRATION_RATE="2/minute"):
        yield
    cache.clear()


def _register(username: str, address: str = "203.0.113.7"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/register/",
        {"username": username, "password": STRONG_PASSWORD, "name": username.title()},
    )


def test_registrations_past_the_rate_are_refused_with_429():
    assert _register("ann").status_code == 201
    assert _register("ben").status_code == 201
    refused = _register("cal")
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0


def test_another_address_is_not_limited_by_the_first():
    _register("ann")
    _register("ben")
    assert _register("cal", address="198.51.100.9").status_code == 201


def test_the_form_and_the_api_share_the_limit():
    _register("ann")
    _register("ben")
    page = Client(REMOTE_ADDR="203.0.113.7").post(
        "/register/",
        {
            "username": "dot",
            "name": "Dot",
            "email": "",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert page.status_code == 429
    assert b"Too many new accounts" in page.content
