"""Every connection of every database starts with the session settings the project relies on
(ems/settings/base.py)."""

import django.db
import pytest
from django.conf import settings
from django.db import connections

from ems.db import bound_cursor

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
def test_a_statement_sent_apart_from_its_parameters_is_prepared_after_five_runs():
    for run in range(6):  # five runs as they come, the sixth prepared
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
