"""Raw readings partitioned by UTC month: partitions made ahead of time, expired ones dropped.

`monitoring_reading` is partitioned by range of `timestamp` (PostgreSQL's declarative
partitioning), one partition per UTC month named `monitoring_reading_pYYYYMM`, and a default
partition that takes any reading whose month has no partition yet (never lost): a history
import, a clock far off, a month beat has not prepared. Beat's retention task makes the coming
months' partitions (moving any rows the default holds for them) and drops whole partitions
older than the retention, which is a catalogue change instead of a DELETE of millions of rows
(docs/monitoring.md, "Retention"). Why not pg_partman: the app would need an extension that is
not installed everywhere it runs (a managed PostgreSQL, a plain Debian one); the work here is
two statements a month.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connections, transaction

TABLE = "monitoring_reading"
DEFAULT_PARTITION = "monitoring_reading_default"
_NAME = re.compile(r"^monitoring_reading_p(\d{4})(\d{2})$")
# Partition changes wait this long for ingestion's short transactions, then try again later.
_LOCK_TIMEOUT = "5s"


def month_start(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(month: dt.datetime) -> dt.datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def partition_name(month: dt.datetime) -> str:
    return f"{TABLE}_p{month.year:04d}{month.month:02d}"


def reading_partitions() -> dict[dt.datetime, str]:
    """The monthly partitions that exist: first instant of the month -> table name."""
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = {}
    for name in names:
        match = _NAME.match(name)
        if match:
            months[dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)] = name
    return months


def reading_partitions_ensure(*, start: dt.datetime, end: dt.datetime) -> list[str]:
    """Make the monthly partitions of [start, end) that do not exist; returns their names.

    Rows the default partition holds for such a month are moved into the new partition in the
    same transaction (PostgreSQL refuses a partition whose rows sit in the default).
    """
    existing = reading_partitions()
    created = []
    month = month_start(start)
    while month < end:
        if month not in existing:
            _partition_create(month)
            created.append(partition_name(month))
        month = next_month(month)
    return created


def _partition_create(month: dt.datetime) -> None:
    name, low, high = partition_name(month), month, next_month(month)
    with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        # Nothing may enter the default partition while its rows of the month move out.
        cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING ALL)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION}"  # noqa: S608 - names are ours
            " WHERE timestamp >= %s AND timestamp < %s RETURNING device_id, timestamp, value)"
            f" INSERT INTO {name} (device_id, timestamp, value) SELECT * FROM moved",
            [low, high],
        )
        # ATTACH (not CREATE ... PARTITION OF) takes a weaker lock on the parent: ingestion
        # goes on while the partition is attached.
        cursor.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
            [low, high],
        )


@dataclass(frozen=True)
class RetentionResult:
    partitions_dropped: list[str]
    # Rows older than the retention deleted from the default partition.
    default_rows_deleted: int


def reading_partitions_drop_expired(*, cutoff: dt.datetime) -> RetentionResult:
    """Drop every monthly partition that ends at or before `cutoff`, and delete the default
    partition's rows older than it. A partition that straddles the cutoff is kept whole."""
    dropped = []
    for month, name in sorted(reading_partitions().items()):
        if next_month(month) > cutoff:
            continue
        with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
        dropped.append(name)
    with transaction.atomic(using="monitoring"), connections["monitoring"].cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {DEFAULT_PARTITION} WHERE timestamp < %s",  # noqa: S608 - our name
            [cutoff],
        )
        deleted = cursor.rowcount
    return RetentionResult(partitions_dropped=dropped, default_rows_deleted=deleted)
