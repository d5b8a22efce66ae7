"""Every connection of every database starts with the session settings the project relies on
(ems/settings/base.py)."""

import django.db
import psycopg
import pytest
from django.conf import settings
from django.db import connections, transaction

from ems.db import StaleStatement, bound_cursor

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring", "chat"])


@pytest.mark.parametrize("alias", ["default", "devices", "monitoring", "chat"])
def test_sessions_do_not_jit_compile_and_end_idle_transactions(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute(
            "SELECT setting::int, unit FROM pg_settings"
            " WHERE name = 'idle_in_transaction_session_timeout'"
        )
        assert cursor.fetchone() == (settings.DATABASE_IDLE_IN_TRANSACTION_SECONDS * 1000, "ms")


@pytest.mark.django_db(databases=["monitoring"])
def test_a_statement_sent_apart_from_its_parameters_is_prepared_once():
    for run in range(3):
        with bound_cursor("monitoring") as cursor:
            cursor.execute("SELECT %s::int + 1", [run])
            assert cursor.fetchone() == (run + 1,)
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1'"
        )
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(databases=["monitoring"])
def test_the_driver_errors_of_a_bound_cursor_are_djangos():
    with pytest.raises(django.db.ProgrammingError), bound_cursor("monitoring") as cursor:
        cursor.execute("SELECT no_such_column FROM monitoring_inbox")


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_statement_a_migration_made_stale_is_prepared_again():
    """A migration (here from another connection) changes what a prepared statement returns."""
    statement = "SELECT label FROM test_stale_statement WHERE id = %s"
    with connections["monitoring"].cursor() as cursor:
        cursor.execute("CREATE TABLE test_stale_statement (id int, label varchar(10))")
        cursor.execute("INSERT INTO test_stale_statement VALUES (1, 'a')")
    try:
        with bound_cursor("monitoring") as cursor:
            cursor.execute(statement, [1])
        with psycopg.connect(**connections["monitoring"].get_connection_params()) as other:
            other.execute("ALTER TABLE test_stale_statement ALTER label TYPE varchar(20)")
        # Outside a transaction: run again, prepared anew.
        with bound_cursor("monitoring") as cursor:
            cursor.execute(statement, [1])
            assert cursor.fetchone() == ("a",)
        with psycopg.connect(**connections["monitoring"].get_connection_params()) as other:
            other.execute("ALTER TABLE test_stale_statement ALTER label TYPE varchar(30)")
        # In a transaction: an error the rollback cures (ingestion keeps the batch for it).
        with (
            pytest.raises(django.db.OperationalError) as raised,
            transaction.atomic(using="monitoring"),
            bound_cursor("monitoring") as cursor,
        ):
            cursor.execute(statement, [1])
        assert isinstance(raised.value.__cause__, StaleStatement)
        with transaction.atomic(using="monitoring"), bound_cursor("monitoring") as cursor:
            cursor.execute(statement, [1])
            assert cursor.fetchone() == ("a",)
    finally:
        with connections["monitoring"].cursor() as cursor:
            cursor.execute("DROP TABLE test_stale_statement")
