"""Who owned a meter when: ownership periods from the device events; what a client may read.

Every device event leaves one OwnershipChange row (device, version, owner, time of the change);
a device's periods are rebuilt from all of its rows each time one is added. The rows are a set
keyed by version, so duplicates and any order of arrival give the same periods
(docs/monitoring.md, "Ownership periods").
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections

from .models import OwnershipChange, OwnershipPeriod

# pg_advisory_xact_lock(class, key) takes two int4 keys: a key space apart from the single
# bigint per-device locks of ingestion (services._lock_key). "OWN".
_LOCK_CLASS = 0x4F574E
HOUR = dt.timedelta(hours=1)
_BEGINNING = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Change:
    version: int
    owner_id: int | None
    # None: since the beginning (the migration's baseline).
    changed_at: dt.datetime | None


@dataclass(frozen=True)
class Period:
    owner_id: int
    valid_from: dt.datetime | None
    valid_to: dt.datetime | None


def periods_from_changes(changes: list[Change]) -> list[Period]:
    """The owned periods that the changes of one device describe (a pure function of the set).

    Ordered by version, each change holds from its time to the next one's. A time is an upper
    bound of when the change really happened (a received time is later than the change), and a
    change happened before every later version; so a change's effective time is the earliest
    time of it and of every later version, which also keeps the boundaries in order when a
    received time is out of step. The first owner's first period reaches back to the beginning:
    nobody else held the meter before, and it keeps data imported for that time visible to them.
    """
    ordered = sorted({change.version: change for change in changes}.values(), key=_version)
    effective: list[dt.datetime] = []
    bound: dt.datetime | None = None
    for change in reversed(ordered):
        moment = change.changed_at or _BEGINNING
        bound = moment if bound is None else min(bound, moment)
        effective.append(bound)
    effective.reverse()
    periods: list[Period] = []
    for index, change in enumerate(ordered):
        start = effective[index]
        end = effective[index + 1] if index + 1 < len(ordered) else None
        if change.owner_id is None or (end is not None and end <= start):
            continue
        last = periods[-1] if periods else None
        if last is not None and last.owner_id == change.owner_id and last.valid_to == start:
            periods[-1] = Period(change.owner_id, last.valid_from, end)
        else:
            periods.append(Period(change.owner_id, start, end))
    if periods:
        periods[0] = Period(periods[0].owner_id, None, periods[0].valid_to)
    return [
        Period(
            period.owner_id,
            None if period.valid_from == _BEGINNING else period.valid_from,
            period.valid_to,
        )
        for period in periods
    ]


def _version(change: Change) -> int:
    return change.version


def ownership_change_record(
    *,
    device_id: uuid.UUID,
    version: int,
    owner_id: int | None,
    changed_at: dt.datetime,
    exact: bool,
) -> None:
    """Keep the owner of one device version and rebuild the device's periods.

    Call inside a `monitoring` transaction. The advisory lock makes two workers applying events
    of one device rebuild one after the other, each from a snapshot that has the other's row.
    A duplicate keeps the first row, except that an exact time replaces a received one.
    """
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_CLASS, str(device_id)]
        )
        cursor.execute(
            "INSERT INTO monitoring_ownership_change "
            "(device_id, version, owner_id, changed_at, exact) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (device_id, version) DO UPDATE SET changed_at = EXCLUDED.changed_at, "
            "exact = true WHERE NOT monitoring_ownership_change.exact AND EXCLUDED.exact",
            [device_id, version, owner_id, changed_at, exact],
        )
    _periods_rebuild(device_id)


def _periods_rebuild(device_id: uuid.UUID) -> None:
    rows = OwnershipChange.objects.using("monitoring").filter(device_id=device_id)
    changes = [Change(row.version, row.owner_id, row.changed_at) for row in rows]
    periods = periods_from_changes(changes)
    stored = OwnershipPeriod.objects.using("monitoring").filter(device_id=device_id)
    current = sorted(
        (Period(row.owner_id, row.valid_from, row.valid_to) for row in stored), key=_start
    )
    if current == periods:
        return
    stored.delete()
    OwnershipPeriod.objects.using("monitoring").bulk_create(
        OwnershipPeriod(device_id=device_id, **period.__dict__) for period in periods
    )


def _start(period: Period) -> dt.datetime:
    return period.valid_from or _BEGINNING


def device_periods(*, device_id: uuid.UUID) -> list[Period]:
    """Every owned period of the device, oldest first (for administrators and tests)."""
    rows = OwnershipPeriod.objects.using("monitoring").filter(device_id=device_id)
    return sorted((Period(row.owner_id, row.valid_from, row.valid_to) for row in rows), key=_start)


def hour_ceil(moment: dt.datetime) -> dt.datetime:
    floor = hour_floor(moment)
    return floor if floor == moment else floor + HOUR


def hour_floor(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def visible_stretches(
    *,
    device_id: uuid.UUID,
    user,
    start: dt.datetime,
    end: dt.datetime,
    periods: Iterable[tuple[dt.datetime | None, dt.datetime | None]] | None = None,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The parts of [start, end) whose hours the user may read, as whole UTC hours, in order.

    An administrator reads everything. A client reads the hours that lie wholly inside one of
    their periods: the hour in which the meter changed hands held both owners' energy, so it is
    neither's (only administrators see it). `periods`: the user's own (valid_from, valid_to) of
    the device when the caller read them already (`selectors.device_visible_to`), else read here.
    """
    if user.is_admin:
        return [(start, end)]
    if periods is None:
        periods = (
            OwnershipPeriod.objects.using("monitoring")
            .filter(device_id=device_id, owner_id=user.id)
            .values_list("valid_from", "valid_to")
        )
    stretches = []
    for valid_from, valid_to in sorted(periods, key=lambda period: period[0] or _BEGINNING):
        low = start if valid_from is None else max(start, hour_ceil(valid_from))
        high = end if valid_to is None else min(end, hour_floor(valid_to))
        if low < high:
            stretches.append((low, high))
    return stretches
