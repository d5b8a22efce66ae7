"""Helpers for tests that follow a device from the devices API into monitoring's projection."""

from apps.devices.models import Device
from apps.monitoring.models import DeviceProjection
from tests.workers import wait_until


def create_device(api, **fields) -> str:
    """Create a device through the API; returns its id."""
    body = {"description": "Meter", "max_hourly_kwh": "2.5", **fields}
    response = api.post("/api/devices/", body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def projected(device_id) -> DeviceProjection | None:
    return DeviceProjection.objects.filter(id=device_id).first()


def projection_reaches(device_id, **expected) -> bool:
    """Wait (bounded) until the projection row exists with the expected field values."""

    def reached() -> bool:
        row = projected(device_id)
        return row is not None and all(
            getattr(row, field) == value for field, value in expected.items()
        )

    return wait_until(reached)


def device_version(device_id) -> int:
    return Device.objects.get(id=device_id).version
