"""Who may call each devices endpoint, and what administrators and clients get from it."""

import uuid

import pytest

from apps.devices import selectors
from apps.devices.models import Device
from tests.devices.conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "devices"])

CALLERS = ["anonymous", "client_a", "client_b", "admin"]
BODY = {"description": "New meter", "address": "Str. Noua 3", "max_hourly_kwh": "4.5"}


def _ids(response) -> set[str]:
    return {device["id"] for device in response.json()["results"]}


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 200), ("client_b", 200), ("admin", 200)],
)
def test_list(callers, device_of_a, device_of_b, unassigned_device, caller, expected):
    response = callers[caller].get("/api/devices/")
    assert response.status_code == expected
    if expected == 200:
        assert {"count", "next", "previous", "results"} <= set(response.json())


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", 201)],
)
def test_create(callers, caller, expected):
    response = callers[caller].post("/api/devices/", BODY)
    assert response.status_code == expected
    assert Device.objects.filter(description="New meter").exists() == (expected == 201)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 200), ("client_b", 404), ("admin", 200)],
)
def test_read(callers, device_of_a, caller, expected):
    response = callers[caller].get(f"/api/devices/{device_of_a.id}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == str(device_of_a.id)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", 200)],
)
def test_update(callers, device_of_a, caller, expected):
    response = callers[caller].patch(f"/api/devices/{device_of_a.id}/", {"description": "Changed"})
    assert response.status_code == expected
    changed = Device.objects.get(id=device_of_a.id).description == "Changed"
    assert changed == (expected == 200)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", 200)],
)
def test_assign(callers, device_of_a, client_b, caller, expected):
    response = callers[caller].patch(f"/api/devices/{device_of_a.id}/", {"owner": client_b.id})
    assert response.status_code == expected
    assigned_to_b = Device.objects.get(id=device_of_a.id).owner_id == client_b.id
    assert assigned_to_b == (expected == 200)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", 204)],
)
def test_delete(callers, device_of_a, caller, expected):
    response = callers[caller].delete(f"/api/devices/{device_of_a.id}/")
    assert response.status_code == expected
    assert Device.objects.filter(id=device_of_a.id).exists() == (expected != 204)


@pytest.mark.parametrize("method", ["post", "delete"])
@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", None)],
)
def test_ingestion_token(callers, device_of_a, method, caller, expected):
    response = getattr(callers[caller], method)(f"/api/devices/{device_of_a.id}/ingestion-token/")
    expected = expected or (201 if method == "post" else 204)
    assert response.status_code == expected
    if expected in (401, 403):
        assert Device.objects.get(id=device_of_a.id).ingestion_token_hash is None


def test_a_client_lists_only_their_own_devices(api_a, device_of_a, device_of_b, unassigned_device):
    assert _ids(api_a.get("/api/devices/")) == {str(device_of_a.id)}


def test_a_clients_filters_cannot_reach_other_devices(
    api_a, device_of_a, device_of_b, unassigned_device, client_b
):
    for query in [f"owner={client_b.id}", "unassigned=true", "search=Bob", "meter_kind=index"]:
        assert _ids(api_a.get(f"/api/devices/?{query}")) <= {str(device_of_a.id)}


def test_a_client_cannot_read_an_unassigned_device(api_a, unassigned_device):
    assert api_a.get(f"/api/devices/{unassigned_device.id}/").status_code == 404


def test_a_client_gets_the_contract_fields(api_a, device_of_a, client_a):
    body = api_a.get(f"/api/devices/{device_of_a.id}/").json()
    assert body == {
        "id": str(device_of_a.id),
        "description": "Alice's meter",
        "address": "Str. Lunga 1",
        "max_hourly_kwh": "2.500",
        "meter_kind": "index",
        "owner": client_a.id,
    }


def test_an_administrator_lists_every_device(
    api_admin, device_of_a, device_of_b, unassigned_device
):
    assert _ids(api_admin.get("/api/devices/")) == {
        str(device_of_a.id),
        str(device_of_b.id),
        str(unassigned_device.id),
    }


def test_an_administrator_filters_by_owner_unassigned_kind_and_search(
    api_admin, device_of_a, device_of_b, unassigned_device, client_b
):
    assert _ids(api_admin.get(f"/api/devices/?owner={client_b.id}")) == {str(device_of_b.id)}
    assert _ids(api_admin.get("/api/devices/?unassigned=true")) == {str(unassigned_device.id)}
    assert len(_ids(api_admin.get("/api/devices/?unassigned=false"))) == 2
    assert _ids(api_admin.get("/api/devices/?search=lunga")) == {str(device_of_a.id)}
    assert _ids(api_admin.get("/api/devices/?search=bob")) == {str(device_of_b.id)}
    assert _ids(api_admin.get("/api/devices/?meter_kind=interval")) == set()


def test_an_administrator_creates_a_device_with_defaults(api_admin):
    response = api_admin.post("/api/devices/", {"description": "Meter", "max_hourly_kwh": 3})
    assert response.status_code == 201
    body = response.json()
    assert body["meter_kind"] == "index"
    assert body["owner"] is None
    assert body["address"] == ""
    assert body["max_hourly_kwh"] == "3.000"
    assert Device.objects.get(id=body["id"]).version > 0


def test_an_administrator_registers_a_meter_under_its_own_id(api_admin):
    meter_id = uuid.uuid4()
    response = api_admin.post("/api/devices/", {**BODY, "id": str(meter_id)})
    assert response.status_code == 201
    assert response.json()["id"] == str(meter_id)
    again = api_admin.post("/api/devices/", {**BODY, "id": str(meter_id)})
    assert again.status_code == 400
    assert "id" in again.json()["errors"]


def test_an_administrator_creates_a_device_assigned_to_a_client(api_admin, client_a):
    response = api_admin.post("/api/devices/", {**BODY, "owner": client_a.id})
    assert response.status_code == 201
    assert response.json()["owner"] == client_a.id


def test_an_administrator_assigns_reassigns_and_unassigns(
    api_admin, unassigned_device, client_a, client_b
):
    url = f"/api/devices/{unassigned_device.id}/"
    assert api_admin.patch(url, {"owner": client_a.id}).json()["owner"] == client_a.id
    assert api_admin.patch(url, {"owner": client_b.id}).json()["owner"] == client_b.id
    assert api_admin.patch(url, {"owner": None}).json()["owner"] is None


def test_an_administrator_changes_every_field(api_admin, device_of_a):
    response = api_admin.patch(
        f"/api/devices/{device_of_a.id}/",
        {"description": "D", "address": "A", "max_hourly_kwh": "9.25", "meter_kind": "interval"},
    )
    assert response.status_code == 200
    assert response.json()["max_hourly_kwh"] == "9.250"
    device = selectors.device_get(device_id=device_of_a.id)
    assert (device.description, device.address, device.meter_kind) == ("D", "A", "interval")


def test_an_unknown_device_is_404(api_admin, api_a):
    missing = uuid.uuid4()
    assert api_admin.get(f"/api/devices/{missing}/").status_code == 404
    assert api_admin.patch(f"/api/devices/{missing}/", {"owner": None}).status_code == 404
    assert api_admin.delete(f"/api/devices/{missing}/").status_code == 404
    assert api_admin.post(f"/api/devices/{missing}/ingestion-token/").status_code == 404
    assert api_a.get(f"/api/devices/{missing}/").status_code == 404
    assert api_admin.get("/api/devices/not-a-uuid/").status_code == 404


def test_errors_are_json_with_a_detail(api_a, api_b, device_of_a, anonymous_api):
    for response in [
        anonymous_api.get("/api/devices/"),
        api_a.post("/api/devices/", BODY),
        api_b.get(f"/api/devices/{device_of_a.id}/"),
    ]:
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]


def test_the_list_is_paginated(api_admin):
    for number in range(3):
        make_device(description=f"Meter {number}")
    page = api_admin.get("/api/devices/?page_size=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
