"""Every connection of every database starts with the session settings the project relies on
(ems/settings/base.py)."""

import pytest
from django.conf import settings
from django.db import connections

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
