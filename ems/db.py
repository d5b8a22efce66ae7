"""Database helpers shared by the apps."""

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connections
from django.db.backends.utils import CursorWrapper
from psycopg.pq import TransactionStatus


def _stale(error: psycopg.Error) -> bool:
    """Whether the driver's `error` says a prepared statement is out of date: a migration
    changed what it returns ("cached plan must not change result type"), or the server no
    longer has it. Not the data's fault: the transaction's rollback makes psycopg forget its
    prepared statements, and the same work succeeds when run again."""
    if isinstance(error, psycopg.errors.InvalidSqlStatementName):
        return True
    return isinstance(error, psycopg.errors.FeatureNotSupported) and "cached plan" in str(error)


class StaleStatement(psycopg.OperationalError):
    """A prepared statement a migration made stale, in a transaction: the database's state, not
    the data's (an OperationalError to Django: ingestion keeps the batch, the API answers 503).
    The transaction's rollback makes psycopg forget its prepared statements."""


class _PreparedCursor(psycopg.Cursor):
    """Prepares each statement on its first run (unless the connection prepares nothing), and
    outside a transaction runs a statement made stale by a migration again, prepared anew."""

    def execute(self, query, params=None, **kwargs):
        kwargs.setdefault("prepare", self.connection.prepare_threshold is not None)
        try:
            return super().execute(query, params, **kwargs)
        except psycopg.Error as error:
            if not _stale(error):
                raise
            if self.connection.info.transaction_status != TransactionStatus.IDLE:
                raise StaleStatement(str(error)) from error
        # psycopg forgets its prepared statements when it sees this command succeed.
        super().execute("DEALLOCATE ALL", prepare=False)
        return super().execute(query, params, **kwargs)


@contextlib.contextmanager
def bound_cursor(alias: str) -> Iterator[CursorWrapper]:
    """A cursor of `alias`'s connection that sends its parameters apart from the statement and
    prepares each statement once per connection.

    Django's cursors bind parameters on the client: each call is new text to PostgreSQL, parsed
    and planned again (3-4 ms for the ingestion's recompute, a third of a day report's query).
    Without the pool (behind PgBouncer) nothing is prepared: ems/settings/base.py sets the
    connections' `prepare_threshold` to None then. Django's own cursors are never prepared.

    Wrapped as Django wraps its own (in the caller's transaction): the driver's errors get
    Django's classes, and execute wrappers and query logging see the statements.
    """
    connection = connections[alias]
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor
