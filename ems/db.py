"""Database helpers shared by the apps."""

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connections
from django.db.backends.utils import CursorWrapper


@contextlib.contextmanager
def bound_cursor(alias: str) -> Iterator[CursorWrapper]:
    """A cursor of `alias`'s connection that sends its parameters apart from the statement.

    Django's cursors bind parameters on the client: each call is new text to PostgreSQL, parsed
    and planned again (3-4 ms for the ingestion's recompute, a third of a day report's query).
    With the parameters apart, psycopg prepares a statement once the connection has run it
    `prepare_threshold` times (5 with the pool; without it, behind PgBouncer, never:
    ems/settings/base.py). Django's own cursors are never prepared.

    Wrapped as Django wraps its own (in the caller's transaction): the driver's errors get
    Django's classes, and execute wrappers and query logging see the statements.
    """
    connection = connections[alias]
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor
