"""Fixtures of the devices tests: devices built through the services, callers by role, and the
events the services really published to the broker."""

from decimal import Decimal

import pytest

from apps.devices import services
from ems.celery import app
from ems.events import EVENTS_QUEUE


def make_device(**fields):
    fields.setdefault("description", "Kitchen meter")
    fields.setdefault("max_hourly_kwh", Decimal("2.500"))
    return services.device_create(**fields)


@pytest.fixture
def device_of_a(client_a):
    return make_device(description="Alice's meter", address="Str. Lunga 1", owner_id=client_a.id)


@pytest.fixture
def device_of_b(client_b):
    return make_device(description="Bob's meter", address="Str. Scurta 2", owner_id=client_b.id)


@pytest.fixture
def unassigned_device(db):
    return make_device(description="Spare meter", address="Warehouse")


@pytest.fixture
def callers(anonymous_api, api_a, api_b, api_admin):
    return {"anonymous": anonymous_api, "client_a": api_a, "client_b": api_b, "admin": api_admin}


def _drain(queue: str) -> list[tuple[str, dict]]:
    """Take every message off the queue: (task name, kwargs), in the order they were sent."""
    messages = []
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            _args, kwargs, _embed = message.decode()
            messages.append((message.headers["task"], kwargs))
    return messages


@pytest.fixture
def broker_events():
    """A function returning the events published on the `events` queue since the test began.

    Publishing happens on commit: wrap the changes in django_capture_on_commit_callbacks
    (execute=True) in a non-transactional test.
    """
    _drain(EVENTS_QUEUE)
    yield lambda: _drain(EVENTS_QUEUE)
    _drain(EVENTS_QUEUE)
