"""The OpenAPI schema describes the API as it answers."""

import pytest

LISTS = ["/api/users/", "/api/devices/", "/api/alerts/", "/api/chat/conversations/"]


@pytest.fixture
def schema(anonymous_api):
    return anonymous_api.get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_described_as_a_page(schema, path):
    operation = schema["paths"][path]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    name = page["$ref"].rsplit("/", 1)[-1]
    properties = set(schema["components"]["schemas"][name]["properties"])
    assert properties == {"count", "next", "previous", "results"}
    assert {"page", "page_size"} <= {parameter["name"] for parameter in operation["parameters"]}


def test_the_docs_page_is_served_without_a_cdn(anonymous_api):
    response = anonymous_api.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()
