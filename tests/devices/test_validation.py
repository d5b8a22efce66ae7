"""Bad input gets a 400 with a message per field; no body, however malformed, gets a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.devices.models import Device
from tests.factories import create_user

pytestmark = pytest.mark.django_db(databases=["default", "devices"])

VALID = {"description": "Meter", "address": "Str. Noua 3", "max_hourly_kwh": "4.5"}


def _post(api, body):
    return api.post("/api/devices/", body, format="json")


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    return body["errors"]


def test_a_missing_description_is_named(api_admin):
    errors = _errors(_post(api_admin, {"max_hourly_kwh": "1"}))
    assert set(errors) == {"description"}


def test_a_blank_description_is_refused(api_admin):
    assert "description" in _errors(_post(api_admin, {**VALID, "description": "  "}))


def test_every_bad_field_gets_its_own_message(api_admin):
    errors = _errors(
        _post(api_admin, {"description": "", "max_hourly_kwh": "-1", "meter_kind": "gas"})
    )
    assert set(errors) == {"description", "max_hourly_kwh", "meter_kind"}
    assert all(errors[field] for field in errors)


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "-1",
        "0.0001",
        "10000.001",
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        "-inf",
        "abc",
        "",
        None,
    ],
)
def test_a_non_positive_or_absurd_maximum_is_refused(api_admin, value):
    assert "max_hourly_kwh" in _errors(_post(api_admin, {**VALID, "max_hourly_kwh": value}))


def test_the_bounds_of_the_maximum_are_accepted(api_admin):
    assert _post(api_admin, {**VALID, "max_hourly_kwh": "0.001"}).status_code == 201
    assert _post(api_admin, {**VALID, "max_hourly_kwh": 10000}).status_code == 201


def test_the_message_of_an_absurd_maximum_says_the_range(api_admin):
    errors = _errors(_post(api_admin, {**VALID, "max_hourly_kwh": "5000000"}))
    assert errors["max_hourly_kwh"] == [
        "The maximum hourly consumption must be between 0.001 and 10000 kWh."
    ]


def test_an_unknown_meter_kind_is_refused(api_admin):
    assert "meter_kind" in _errors(_post(api_admin, {**VALID, "meter_kind": "gas"}))


def test_an_unknown_owner_is_refused_with_a_clear_message(api_admin):
    errors = _errors(_post(api_admin, {**VALID, "owner": 987654321}))
    assert errors["owner"] == ["No account with id 987654321."]
    assert not Device.objects.exists()


def test_an_administrator_cannot_own_a_meter(api_admin, admin, device_of_a):
    errors = _errors(api_admin.patch(f"/api/devices/{device_of_a.id}/", {"owner": admin.id}))
    assert "administrator" in errors["owner"][0]


def test_a_deactivated_client_cannot_be_given_a_meter(api_admin, device_of_a):
    inactive = create_user(username="carol", is_active=False)
    errors = _errors(api_admin.patch(f"/api/devices/{device_of_a.id}/", {"owner": inactive.id}))
    assert "deactivated" in errors["owner"][0]


def test_a_refused_assignment_changes_nothing(api_admin, device_of_a, client_a):
    version = Device.objects.get(id=device_of_a.id).version
    api_admin.patch(f"/api/devices/{device_of_a.id}/", {"owner": 987654321, "description": "X"})
    device = Device.objects.get(id=device_of_a.id)
    assert (device.owner_id, device.description, device.version) == (
        client_a.id,
        "Alice's meter",
        version,
    )


@pytest.mark.parametrize("owner", ["abc", 1.5, 10**30, -3, 0, True, [1], {"id": 1}, "1e400"])
def test_an_owner_of_the_wrong_type_is_refused(api_admin, device_of_a, owner):
    response = api_admin.patch(f"/api/devices/{device_of_a.id}/", {"owner": owner}, format="json")
    assert "owner" in _errors(response)


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        '{"description": ',
        "null",
        "[]",
        '["description"]',
        '"a string"',
        "42",
        '{"max_hourly_kwh": NaN, "description": "x"}',
        '{"max_hourly_kwh": Infinity, "description": "x"}',
        '{"max_hourly_kwh": 1e400, "description": "x"}',
        '{"max_hourly_kwh": 1e-400, "description": "x"}',
        '{"max_hourly_kwh": 123456789012345678901234567890, "description": "x"}',
        '{"description": {"nested": [1, 2]}, "max_hourly_kwh": "1"}',
        '{"description": "\\u0000", "max_hourly_kwh": "1"}',
        '{"description": "' + "x" * 10_000 + '", "max_hourly_kwh": "1"}',
        '{"address": ' + "[" * 50 + "]" * 50 + ', "description": "x", "max_hourly_kwh": 1}',
        '{"meter_kind": null, "description": "x", "max_hourly_kwh": 1}',
        "\xff\xfe",
    ],
)
def test_a_malformed_body_is_a_400_never_a_500(api_admin, device_of_a, raw):
    created = api_admin.post("/api/devices/", raw, content_type="application/json")
    changed = api_admin.patch(
        f"/api/devices/{device_of_a.id}/", raw, content_type="application/json"
    )
    for response in (created, changed):
        assert response.status_code == 400, (raw[:80], response.content[:200])
        assert response.json()["detail"]


def test_an_id_that_is_not_a_uuid_is_refused(api_admin):
    assert "id" in _errors(_post(api_admin, {**VALID, "id": "not-a-uuid"}))


def test_an_empty_body_creates_nothing_and_changes_nothing(api_admin, device_of_a):
    version = Device.objects.get(id=device_of_a.id).version
    assert api_admin.post("/api/devices/", "", content_type="application/json").status_code == 400
    url = f"/api/devices/{device_of_a.id}/"
    assert api_admin.patch(url, "", content_type="application/json").status_code == 200
    assert Device.objects.get(id=device_of_a.id).version == version


def test_a_body_that_is_not_json_is_refused(api_admin):
    response = api_admin.post("/api/devices/", "description=x", content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize(
    "query",
    [
        "owner=abc",
        "owner=99999999999999999999999",
        "unassigned=maybe",
        "meter_kind=gas",
        "search=%00",
        "page=abc",
        "page=99999",
        "page_size=abc",
    ],
)
def test_malformed_list_filters_are_never_a_500(api_admin, device_of_a, query):
    response = api_admin.get(f"/api/devices/?{query}")
    assert response.status_code in (200, 400, 404)
    assert response.json()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries(
        {},
        optional={
            "id": _json,
            "description": _json,
            "address": _json,
            "max_hourly_kwh": _json | st.decimals(allow_nan=False).map(str),
            "meter_kind": _json | st.sampled_from(["index", "interval"]),
            "owner": _json,
        },
    ),
)


def test_no_generated_body_gets_a_server_error(api_admin, device_of_a):
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(body=_bodies)
    def check(body):
        raw = json.dumps(body)
        created = api_admin.post("/api/devices/", raw, content_type="application/json")
        changed = api_admin.patch(
            f"/api/devices/{device_of_a.id}/", raw, content_type="application/json"
        )
        for response in (created, changed):
            assert response.status_code in (200, 201, 400), response.content[:300]

    check()
