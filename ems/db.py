"""Database helpers shared by the apps."""

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connections


@contextlib.contextmanager
def bound_cursor(alias: str) -> Iterator[psycopg.Cursor]:
    """A cursor of `alias`'s connection that sends its parameters apart from the statement.

    Django's cursors bind parameters on the client: each call is new text to PostgreSQL, parsed
    and planned again (3-4 ms for the ingestion's recompute). With the parameters apart, psycopg
    prepares a statement once the connection has run it `prepare_threshold` times (5 with the
    pool; without it, behind PgBouncer, never: ems/settings/base.py). Django's own cursors are
    never prepared.
    In the caller's transaction; the driver's errors are given Django's classes, as Django's own
    cursors give them (an OperationalError is an environment error, an IntegrityError the data's).
    """
    connection = connections[alias]
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
