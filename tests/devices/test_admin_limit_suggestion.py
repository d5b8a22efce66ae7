"""The meter's admin page shows the limit that fits its history and applies it in one step."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from apps.devices.models import Device
from apps.monitoring.models import DeviceProjection, HourlyConsumption
from apps.monitoring.ownership import hour_floor
from apps.monitoring.projection import device_projection_apply
from ems.events import DEVICE_CHANGED
from tests.devices.conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


@pytest.fixture
def projected_meter(django_capture_on_commit_callbacks, broker_events):
    """A meter with a 2 kWh limit, in monitoring's projection through its own event, with eight
    weeks of 1 kWh hours and 4 kWh every day at 18:00 UTC."""
    with django_capture_on_commit_callbacks(using="devices", execute=True):
        device = make_device(max_hourly_kwh=Decimal("2.000"))
    for _name, event in broker_events():
        device_projection_apply(event=event)
    until = hour_floor(dt.datetime.now(dt.UTC))
    HourlyConsumption.objects.using("monitoring").bulk_create(
        HourlyConsumption(
            device_id=device.id,
            hour_start=hour,
            kwh=Decimal(4) if hour.hour == 18 else Decimal(1),
        )
        for hour in (until - dt.timedelta(hours=back) for back in range(1, 8 * 7 * 24 + 1))
    )
    return device


def test_it_shows_the_suggestion_and_the_alerts_each_limit_would_have_raised(
    admin_browser, projected_meter
):
    response = admin_browser.get(f"/admin/devices/device/{projected_meter.id}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "4.400 kWh" in content  # 4 kWh + 10%
    assert re.search(r"would have raised\s*<strong>30</strong>", content)  # one a day
    assert "Apply suggested limit" in content


def test_the_apply_button_changes_the_limit_and_monitoring_follows(
    admin_browser, projected_meter, django_capture_on_commit_callbacks, broker_events
):
    with django_capture_on_commit_callbacks(using="devices", execute=True):
        response = admin_browser.post(
            f"/admin/devices/device/{projected_meter.id}/limit/apply/",
            {"max_hourly_kwh": "4.400"},
        )
    assert response.status_code == 302
    assert Device.objects.get(id=projected_meter.id).max_hourly_kwh == Decimal("4.400")
    events = broker_events()
    assert [name for name, _ in events] == [DEVICE_CHANGED]
    device_projection_apply(event=events[0][1])
    projection = DeviceProjection.objects.using("monitoring").get(id=projected_meter.id)
    assert projection.max_hourly_kwh == Decimal("4.400")


def test_the_apply_button_refuses_a_limit_that_is_not_a_number(admin_browser, projected_meter):
    response = admin_browser.post(
        f"/admin/devices/device/{projected_meter.id}/limit/apply/",
        {"max_hourly_kwh": "lots"},
        follow=True,
    )
    assert response.status_code == 200
    assert "not a number" in response.content.decode()
    assert Device.objects.get(id=projected_meter.id).max_hourly_kwh == Decimal("2.000")


def test_the_apply_button_is_for_staff_only(client_a, projected_meter):
    browser = Client()
    browser.force_login(client_a)
    response = browser.post(
        f"/admin/devices/device/{projected_meter.id}/limit/apply/", {"max_hourly_kwh": "9"}
    )
    assert response.status_code in (302, 403)
    assert Device.objects.get(id=projected_meter.id).max_hourly_kwh == Decimal("2.000")
