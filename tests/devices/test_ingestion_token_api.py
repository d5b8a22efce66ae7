"""An administrator issues a device's ingestion token (shown once, kept as a hash), revokes it."""

import hashlib

import pytest

from apps.devices.models import Device

pytestmark = pytest.mark.django_db(databases=["default", "devices"])


def _hash(device) -> str | None:
    return Device.objects.get(id=device.id).ingestion_token_hash


def test_the_token_is_returned_once_and_only_its_hash_is_kept(api_admin, device_of_a):
    response = api_admin.post(f"/api/devices/{device_of_a.id}/ingestion-token/")
    assert response.status_code == 201
    body = response.json()
    assert body["device"] == str(device_of_a.id)
    assert "only once" in body["detail"]
    token = body["token"]
    assert token.startswith("emsd_")
    assert len(token) > 40
    assert _hash(device_of_a) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in api_admin.get(f"/api/devices/{device_of_a.id}/").content.decode()


def test_the_device_never_shows_its_token_or_hash(api_admin, api_a, device_of_a):
    api_admin.post(f"/api/devices/{device_of_a.id}/ingestion-token/")
    for api in (api_admin, api_a):
        text = api.get(f"/api/devices/{device_of_a.id}/").content.decode()
        assert _hash(device_of_a) not in text
        assert "token" not in text


def test_a_new_token_replaces_the_old_one(api_admin, device_of_a):
    url = f"/api/devices/{device_of_a.id}/ingestion-token/"
    first = api_admin.post(url).json()["token"]
    second = api_admin.post(url).json()["token"]
    assert first != second
    assert _hash(device_of_a) == hashlib.sha256(second.encode()).hexdigest()


def test_revoking_removes_the_token_and_is_idempotent(api_admin, device_of_a):
    url = f"/api/devices/{device_of_a.id}/ingestion-token/"
    api_admin.post(url)
    assert api_admin.delete(url).status_code == 204
    assert _hash(device_of_a) is None
    version = Device.objects.get(id=device_of_a.id).version
    assert api_admin.delete(url).status_code == 204
    assert Device.objects.get(id=device_of_a.id).version == version
