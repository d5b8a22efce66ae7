"""Who may call each users endpoint, and what the administrator's account management does."""

import jsonschema
import pytest

from apps.users.models import User
from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "client_a", "client_b", "admin"]


@pytest.fixture
def callers(anonymous_api, api_a, api_b, api_admin):
    return {"anonymous": anonymous_api, "client_a": api_a, "client_b": api_b, "admin": api_admin}


def _no_password_anywhere(response) -> None:
    text = response.content.decode()
    assert "password" not in text
    assert "md5$" not in text
    assert "argon2" not in text


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("client_a", 200), ("client_b", 200), ("admin", 200)]
)
def test_me(callers, role, expected):
    response = callers[role].get("/api/users/me/")
    assert response.status_code == expected
    if expected == 200:
        _no_password_anywhere(response)


def test_me_is_the_callers_own_account(api_a, client_a):
    assert api_a.get("/api/users/me/").json()["id"] == client_a.id


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", 200)]
)
def test_list(callers, role, expected):
    response = callers[role].get("/api/users/")
    assert response.status_code == expected
    if expected == 200:
        assert {"count", "next", "previous", "results"} <= set(response.json())
        _no_password_anywhere(response)


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("client_a", 403), ("client_b", 403), ("admin", 201)]
)
def test_create(callers, role, expected):
    response = callers[role].post(
        "/api/users/",
        {"username": "newbie", "password": STRONG_PASSWORD, "name": "New", "role": "client"},
    )
    assert response.status_code == expected
    if expected == 201:
        _no_password_anywhere(response)


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("client_a", 403), ("client_b", 403)]
)
def test_detail_is_for_administrators_only(callers, client_a, method, role, expected):
    response = getattr(callers[role], method)(
        f"/api/users/{client_a.id}/", {"name": "Changed"} if method == "patch" else None
    )
    assert response.status_code == expected
    client_a.refresh_from_db()
    assert client_a.name == "Alice Client"


def test_an_administrator_reads_changes_and_deletes_an_account(api_admin, client_a):
    url = f"/api/users/{client_a.id}/"
    assert api_admin.get(url).json()["username"] == "alice"
    changed = api_admin.patch(url, {"name": "Alice B.", "timezone": "America/New_York"})
    assert changed.status_code == 200
    assert changed.json()["timezone"] == "America/New_York"
    assert api_admin.delete(url).status_code == 204
    assert api_admin.get(url).status_code == 404


def test_an_unknown_account_is_404_for_an_administrator(api_admin):
    assert api_admin.get("/api/users/999999/").status_code == 404


def test_an_administrator_can_make_an_administrator(api_admin, client_a):
    response = api_admin.patch(f"/api/users/{client_a.id}/", {"role": "admin"})
    assert response.json()["role"] == "admin"
    client_a.refresh_from_db()
    assert client_a.is_staff
    assert client_a.is_superuser


def test_the_list_filters_by_role_and_search(api_admin, client_a, client_b):
    clients = api_admin.get("/api/users/?role=client").json()["results"]
    assert {user["username"] for user in clients} == {"alice", "bob"}
    found = api_admin.get("/api/users/?search=ali").json()["results"]
    assert [user["username"] for user in found] == ["alice"]


def test_an_unknown_timezone_is_400_with_a_message(api_admin, client_a):
    response = api_admin.patch(f"/api/users/{client_a.id}/", {"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]


def test_a_weak_password_from_an_administrator_is_400(api_admin):
    response = api_admin.post("/api/users/", {"username": "w", "password": "abc", "name": "W"})
    assert response.status_code == 400
    assert not User.objects.filter(username="w").exists()


@pytest.mark.parametrize("change", [{"role": "client"}, {"is_active": False}])
def test_an_administrator_cannot_demote_or_deactivate_themself(api_admin, admin, change):
    response = api_admin.patch(f"/api/users/{admin.id}/", change)
    assert response.status_code == 400
    assert "your own account" in response.json()["detail"]
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert admin.is_active


def test_an_administrator_can_rename_themself(api_admin, admin):
    assert api_admin.patch(f"/api/users/{admin.id}/", {"name": "Ada L."}).status_code == 200


def test_an_administrator_cannot_delete_themself(api_admin, admin):
    assert api_admin.delete(f"/api/users/{admin.id}/").status_code == 400


def test_an_account_without_email_matches_the_schema(anonymous_api, api_a):
    schema = anonymous_api.get("/api/schema/", {"format": "json"}).json()
    account = {"$ref": "#/components/schemas/AccountOutput", "components": schema["components"]}
    body = api_a.get("/api/users/me/").json()
    assert body["email"] == ""
    jsonschema.validate(body, account, format_checker=jsonschema.FormatChecker())
