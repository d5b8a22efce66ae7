"""Migration 0006 gives each projected meter's current owner one period since the beginning."""

import uuid

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from apps.monitoring.ownership import Period, device_periods
from apps.monitoring.projection import device_projection_apply

pytestmark = [
    pytest.mark.django_db(databases=["monitoring"], transaction=True),
    pytest.mark.usefixtures("latest_schema_after"),
]

BEFORE = [("monitoring", "0005_inbox_alert_state")]
AFTER = [("monitoring", "0006_ownership_periods")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connections["monitoring"])
    executor.loader.build_graph()
    executor.migrate(targets)


def _project(cursor, device_id, owner_id, version, deleted=False) -> None:
    cursor.execute(
        "INSERT INTO monitoring_device_projection (id, owner_id, max_hourly_kwh, meter_kind, "
        "description, version, deleted, updated_at) VALUES (%s, %s, 5, 'index', '', %s, %s, now())",
        [device_id, owner_id, version, deleted],
    )


def test_the_current_owner_keeps_every_hour_and_older_events_cannot_change_that():
    owned, unassigned, deleted = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    _migrate(BEFORE)
    try:
        with connections["monitoring"].cursor() as cursor:
            _project(cursor, owned, 7, 40)
            _project(cursor, unassigned, None, 41)
            _project(cursor, deleted, 8, 42, deleted=True)
    finally:
        _migrate(AFTER)
    assert device_periods(device_id=owned) == [Period(7, None, None)]
    assert device_periods(device_id=unassigned) == []
    assert device_periods(device_id=deleted) == []
    # A late event older than the state the migration saw does not cut into the baseline; a
    # newer one does.
    event = {"device_id": str(owned), "max_hourly_kwh": "5", "changed_at": "2026-01-01T00:00Z"}
    device_projection_apply(event=event | {"version": 39, "owner_id": 9})
    assert device_periods(device_id=owned) == [Period(7, None, None)]
    device_projection_apply(event=event | {"version": 43, "owner_id": 9})
    (first, second) = device_periods(device_id=owned)
    assert (first.owner_id, first.valid_from, second.owner_id) == (7, None, 9)
