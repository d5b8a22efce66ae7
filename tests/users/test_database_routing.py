"""Each app's tables live in its own database and nowhere else."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connections

from ems.db_router import database_for

ALIASES = ["default", "devices", "monitoring", "chat"]


def _tables(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(databases=ALIASES)
def test_every_model_table_is_in_its_apps_database_only():
    tables = {alias: _tables(alias) for alias in ALIASES}
    for model in apps.get_models(include_auto_created=True):
        home = database_for(model._meta.app_label)
        table = model._meta.db_table
        assert table in tables[home], f"{table} missing from {home}"
        elsewhere = [alias for alias in ALIASES if alias != home and table in tables[alias]]
        assert not elsewhere, f"{table} also in {elsewhere}"


@pytest.mark.django_db(databases=ALIASES)
def test_the_four_aliases_are_four_distinct_postgresql_databases():
    names = set()
    for alias in ALIASES:
        assert connections[alias].vendor == "postgresql"
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT current_database()")
            names.add(cursor.fetchone()[0])
    assert len(names) == len(ALIASES)


@pytest.mark.django_db(databases=["default"])
def test_users_auth_and_token_blacklist_live_in_the_users_database():
    tables = _tables("default")
    assert {
        "users_user",
        "django_session",
        "django_admin_log",
        "django_content_type",
        "token_blacklist_outstandingtoken",
        "axes_accessattempt",
    } <= tables


@pytest.mark.django_db(databases=ALIASES)
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
