"""The read-only role of other processes reads account summaries, and nothing else."""

import pytest
from django.db import ProgrammingError, connections, transaction

from apps.users import selectors
from apps.users.db_roles import GRANT_SUMMARY_COLUMNS_SQL, READER_ROLE
from apps.users.models import User

pytestmark = pytest.mark.django_db(databases=["default"])


@pytest.fixture
def as_reader(client_a):
    """Run the block with the reader role's privileges (SET ROLE inside the test transaction)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER_ROLE}') "
            f"THEN CREATE ROLE {READER_ROLE}; END IF; END $$;"
        )
        cursor.execute(GRANT_SUMMARY_COLUMNS_SQL)
        cursor.execute(f"SET LOCAL ROLE {READER_ROLE}")
    yield
    with connections["default"].cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_the_reader_role_gets_account_summaries(as_reader, client_a):
    summary = selectors.account_get(user_id=client_a.id)
    assert (summary.username, summary.role, summary.is_active) == ("alice", "client", True)
    assert set(selectors.accounts_by_id(user_ids=[client_a.id])) == {client_a.id}
    assert [account.username for account in selectors.client_accounts()] == ["alice"]


def test_the_reader_role_cannot_read_password_hashes(as_reader, client_a):
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        User.objects.values_list("password", flat=True).first()
