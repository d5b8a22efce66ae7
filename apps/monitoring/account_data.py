"""A client's monitoring data as their own: the hours and alerts of the meters while theirs.

The export reads exactly what the client could read in the pages: hours wholly inside one of
their ownership periods (apps/monitoring/ownership.py), and the alerts `alert_list` shows them.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from .models import HourlyConsumption, OwnershipPeriod
from .ownership import HOUR, hour_ceil, hour_floor
from .selectors import alert_list


@dataclass(frozen=True)
class OwnedHour:
    device_id: uuid.UUID
    hour_start: object  # datetime, UTC
    kwh: Decimal
    estimated: bool


def _owned_hours_filter(*, user_id: int) -> Q | None:
    visible = None
    for period in OwnershipPeriod.objects.using("monitoring").filter(owner_id=user_id):
        condition = Q(device_id=period.device_id)
        if period.valid_from is not None:
            condition &= Q(hour_start__gte=hour_ceil(period.valid_from))
        if period.valid_to is not None:
            condition &= Q(hour_start__lte=hour_floor(period.valid_to) - HOUR)
        visible = condition if visible is None else visible | condition
    return visible


def owned_hours(*, user_id: int) -> Iterator[OwnedHour]:
    """Every stored hour of every meter while it was the user's, by meter then hour."""
    visible = _owned_hours_filter(user_id=user_id)
    if visible is None:
        return
    rows = (
        HourlyConsumption.objects.using("monitoring")
        .filter(visible)
        .order_by("device_id", "hour_start")
        .values_list("device_id", "hour_start", "kwh", "estimated")
    )
    for device_id, hour_start, kwh, estimated in rows.iterator(chunk_size=2000):
        yield OwnedHour(device_id=device_id, hour_start=hour_start, kwh=kwh, estimated=estimated)


def owned_alerts(*, user) -> list[dict]:
    """The alerts the user sees in the pages, oldest first."""
    return [
        {
            "id": alert.id,
            "device_id": str(alert.device_id),
            "hour_start": alert.hour_start.isoformat(),
            "kwh": str(alert.kwh),
            "max_hourly_kwh": str(alert.max_hourly_kwh),
            "state": alert.state,
            "created_at": alert.created_at.isoformat(),
            "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        }
        for alert in alert_list(user=user).order_by("id")
    ]
