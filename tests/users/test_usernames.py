"""Usernames are unique whatever their case, everywhere an account is made; sign-in matches them
exactly; registration reports every field error at once."""

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient

from apps.users.models import User
from tests.factories import STRONG_PASSWORD

pytestmark = pytest.mark.django_db

TAKEN = "A user with that username already exists."


def _register(**fields):
    body = {"username": "Alice", "password": STRONG_PASSWORD, "name": "Another Alice", **fields}
    return APIClient().post("/api/auth/register/", body)


def _register_form(**fields):
    data = {
        "username": "Alice",
        "name": "Another Alice",
        "email": "",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **fields,
    }
    return Client().post("/register/", data)


def test_registration_refuses_a_case_variant_of_a_taken_username(client_a):
    response = _register(username="ALICE")
    assert response.status_code == 400
    assert response.json()["errors"]["username"] == [TAKEN]
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_the_registration_form_refuses_a_case_variant(client_a):
    response = _register_form(username="Alice")
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [TAKEN]


def test_an_administrator_cannot_create_a_case_variant_over_the_api(client_a, api_admin):
    response = api_admin.post(
        "/api/users/", {"username": "aLiCe", "password": STRONG_PASSWORD, "name": "A"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["username"] == [TAKEN]


def test_an_administrator_cannot_create_a_case_variant_in_the_admin(client_a, admin):
    browser = Client()
    browser.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    response = browser.post(
        "/admin/users/user/add/",
        {
            "username": "Alice",
            "name": "A",
            "email": "",
            "role": "client",
            "timezone": "UTC",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.context["adminform"].form.errors["username"][0]
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_renaming_an_account_to_a_case_variant_is_refused(client_a, client_b, api_admin):
    from apps.users import services

    with pytest.raises(Exception, match="already exists"):
        services.user_update(user=client_b, data={"username": "ALICE"})


def test_the_database_refuses_a_case_variant_written_past_the_services(client_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ALICE", name="Bypass")


def test_sign_in_matches_the_username_exactly(client_a):
    # Decided (docs/security-review.md): the name typed must be the account's, case included;
    # the lock counts per name as typed, so one spelling cannot multiply the tries.
    response = APIClient().post(
        "/api/auth/token/", {"username": "ALICE", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 401
    response = APIClient().post(
        "/api/auth/token/", {"username": "alice", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 200


def test_registration_reports_a_taken_username_and_a_weak_password_together(client_a):
    errors = _register(username="alice", password="12345678").json()["errors"]
    assert errors["username"] == [TAKEN]
    assert any("too common" in message for message in errors["password"])


def test_registration_reports_a_taken_username_with_a_missing_field(client_a):
    errors = (
        APIClient()
        .post("/api/auth/register/", {"username": "alice", "password": STRONG_PASSWORD})
        .json()["errors"]
    )
    assert set(errors) == {"username", "name"}
    assert errors["username"] == [TAKEN]


def test_the_form_reports_a_taken_username_with_differing_passwords(client_a):
    response = _register_form(username="alice", password2="something-else-entirely-9")
    errors = response.context["form"].errors
    assert errors["username"] == [TAKEN]
    assert errors["password2"] == ["The two passwords differ."]


def test_the_form_reports_a_weak_password_with_differing_passwords():
    response = _register_form(username="carol", password1="12345678", password2="87654321")
    errors = response.context["form"].errors
    assert any("too common" in message for message in errors["password1"])
    assert errors["password2"] == ["The two passwords differ."]


@pytest.mark.django_db(transaction=True)
def test_the_migration_lists_existing_collisions_instead_of_failing_on_the_index():
    before = [("users", "0003_grant_account_summary_to_reader")]
    after = [("users", "0004_username_case_insensitive_unique")]
    connection = connections["default"]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            for username in ("alice", "Alice", "ALICE", "bob", "Bob", "carol"):
                cursor.execute(
                    "INSERT INTO users_user (username, name, email, role, timezone, is_active,"
                    " is_staff, is_superuser, date_joined, password) "
                    "VALUES (%s, 'x', '', 'client', 'UTC', true, false, false, now(), '')",
                    [username],
                )
        executor = MigrationExecutor(connection)
        with pytest.raises(Exception, match="differ only in case") as refused:
            executor.migrate(after)
        message = str(refused.value)
        assert "alice: 'alice' (id" in message
        assert "'Alice'" in message
        assert "'ALICE'" in message
        assert "bob: 'bob'" in message
        assert "'Bob'" in message
        assert "carol" not in message
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM users_user")
        # Forward to the latest migrations, not only this one: the tests after this one expect
        # the whole schema (a later migration of users was undone by the step back).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("users"))
    constraints = connection.introspection.get_constraints(connection.cursor(), "users_user")
    assert "users_user_username_case_insensitive_unique" in constraints
