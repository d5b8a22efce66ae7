"""Real meters and real alerts for the web tests: the devices and monitoring services.

A meter is created by the devices app's service (the dashboard lists it from the devices API);
its DEVICE_CHANGED event reaches monitoring's projection through a real Celery worker on the
`events` queue (`assigned_meter`, transactional tests), or is applied directly where nothing is
committed (`assigned_meter_in_transaction`: on_commit never fires, no event is sent). Alerts
come from readings ingested by monitoring's service, whose commit pushes `alert.created` to the
channel layer exactly as the readings worker does. Run them through `in_a_thread` (live.py) when
a page is open: the push needs an event loop of its own.
"""

import datetime as dt
from decimal import Decimal

from apps.devices import services as device_services
from apps.devices.events import device_event
from apps.monitoring import services as monitoring_services
from apps.monitoring.models import DeviceProjection
from apps.monitoring.projection import device_projection_apply
from ems.events import EVENTS_QUEUE
from tests.workers import celery_worker, wait_until

HOUR = dt.timedelta(hours=1)


def _create(owner, max_hourly_kwh: str, description: str):
    return device_services.device_create(
        description=description,
        address="12 Linden Street",
        max_hourly_kwh=Decimal(max_hourly_kwh),
        owner_id=owner.id,
    )


def assigned_meter(owner, *, max_hourly_kwh: str = "2.000", description: str = "Kitchen meter"):
    """A meter of `owner`, projected by a real worker consuming its committed event.

    Consuming the event (rather than applying it and leaving it queued) also keeps it from
    reaching whatever else reads the worktree's Redis, such as a local `scripts/run.sh`.
    """
    with celery_worker(EVENTS_QUEUE):
        device = _create(owner, max_hourly_kwh, description)
        projected = DeviceProjection.objects.using("monitoring").filter(id=device.id)
        assert wait_until(projected.exists), "the device event was not applied"
    return device


def assigned_meter_in_transaction(
    owner, *, max_hourly_kwh: str = "2.000", description: str = "Kitchen meter"
):
    """The same meter in a test that commits nothing: its event is applied here instead."""
    device = _create(owner, max_hourly_kwh, description)
    device_projection_apply(event=device_event(device=device, visible_owner_id=owner.id))
    return device


def last_full_hour() -> dt.datetime:
    """The hour before the current one (UTC): an hour the clock will not leave during a test."""
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return now - dt.timedelta(hours=1)


def readings(device, hour: dt.datetime, *values: float, first_minute: int = 0) -> list[dict]:
    """Index readings a minute apart from `hour` + `first_minute`: an hour's energy is its
    last value minus its first."""
    return [
        {
            "device_id": str(device.id),
            "timestamp": (hour + dt.timedelta(minutes=first_minute + minute)).isoformat(),
            "measurement_value": value,
        }
        for minute, value in enumerate(values)
    ]


def ingest(device, hour: dt.datetime, *values: float, first_minute: int = 0):
    """What the readings worker does with one batch; alerts are pushed on commit."""
    batch = readings(device, hour, *values, first_minute=first_minute)
    return monitoring_services.readings_ingest(raw_readings=batch)
