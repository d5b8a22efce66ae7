"""/api/docs/ is enough for a script author: every operation has a description, an example and
its errors; the readings body is typed field by field."""

import pytest
from rest_framework.test import APIClient

from ems.api_docs import OPERATIONS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _has_example(operation) -> bool:
    bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
    return any(
        "examples" in media or "example" in media
        for body in bodies
        for media in body.get("content", {}).values()
    )


def test_every_operation_has_a_description(schema):
    missing = [(m, p) for m, p, op in _operations(schema) if not op.get("description")]
    assert missing == []


def test_every_operation_has_an_example_unless_it_has_no_body_at_all(schema):
    missing = []
    for method, path, operation in _operations(schema):
        has_body = operation.get("requestBody") or any(
            response.get("content")
            for code, response in operation["responses"].items()
            if code.startswith("2")
        )
        if has_body and not _has_example(operation):
            missing.append((method, path))
    assert missing == []


def test_every_operation_lists_its_errors(schema):
    for method, path, operation in _operations(schema):
        errors = [code for code in operation["responses"] if code[0] in "45"]
        assert "503" in errors, (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        if path != "/api/auth/register/":
            assert "401" in errors, (method, path)
    admin_only = schema["paths"]["/api/users/"]["get"]["responses"]
    assert admin_only["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_the_readings_body_is_typed_field_by_field(schema):
    body = schema["paths"]["/api/readings/"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["items"] == {"$ref": "#/components/schemas/Reading"}
    reading = schema["components"]["schemas"]["Reading"]
    assert set(reading["required"]) == {"timestamp", "device_id", "measurement_value"}
    assert reading["properties"]["device_id"]["format"] == "uuid"
    assert reading["properties"]["measurement_value"]["type"] == "number"
    assert {kind["type"] for kind in reading["properties"]["timestamp"]["oneOf"]} == {
        "integer",
        "string",
    }
    assert set(schema["paths"]["/api/readings/"]["post"]["responses"]) >= {"400", "413", "503"}


def test_the_documented_operations_exist(schema):
    served = {(method, path) for method, path, _ in _operations(schema)}
    assert set(OPERATIONS) <= served


def test_the_docs_page_and_the_schema_are_served():
    client = APIClient()
    assert client.get("/api/docs/").status_code == 200
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert "Reading" in answer.json()["components"]["schemas"]
