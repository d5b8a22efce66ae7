"""The dashboard's "Former meters" section, without a browser: the page, the token its script
takes from the session, and the answers of the APIs the script reads with that token."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.devices import services as device_services
from apps.devices.events import device_event
from apps.monitoring.models import HourlyConsumption
from apps.monitoring.projection import device_projection_apply
from tests.factories import signed_in
from tests.web.meters import assigned_meter_in_transaction

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])

SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"


@pytest.fixture
def handed_over_meter(client_a, client_b):
    """Alice's meter, given to Bob now; an hour of energy in each day of the last week."""
    device = assigned_meter_in_transaction(client_a, description="Flat 3")
    yesterday = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        days=1
    )
    HourlyConsumption.objects.using("monitoring").create(
        device_id=device.id, hour_start=yesterday, kwh=Decimal("1.5")
    )
    device = device_services.device_assign(device=device, owner_id=client_b.id)
    device_projection_apply(event=device_event(device=device, visible_owner_id=client_b.id))
    return device, yesterday


def _page_session_api(user):
    """The dashboard as the browser gets it, and an API client with the token its script gets."""
    browser = signed_in(user)
    page = browser.get("/dashboard/")
    assert page.status_code == 200
    token = browser.post("/web/token/").json()["access"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return page.content.decode(), api


def test_the_former_owner_finds_the_meter_under_former_meters_with_their_hours(
    client_a, handed_over_meter
):
    device, yesterday = handed_over_meter
    page, api = _page_session_api(client_a)
    assert "data-former-devices" in page
    assert "Former meters" in page
    # The meter left Alice's own list (the devices API) ...
    assert api.get("/api/devices/").json()["count"] == 0
    # ... and is what the section lists, with the stretch that was hers.
    (former,) = api.get("/api/devices/former/").json()["results"]
    assert (former["id"], former["description"]) == (str(device.id), "Flat 3")
    ((period),) = former["periods"]
    assert period["start"] is None
    assert dt.datetime.fromisoformat(period["end"]) > yesterday
    # The device page it links to opens, and its consumption holds her hour.
    assert signed_in(client_a).get(f"/devices/{device.id}/").status_code == 200
    answer = api.get(
        f"/api/devices/{device.id}/consumption/",
        {"date": yesterday.date().isoformat(), "tz": "UTC"},
    ).json()
    assert answer["hours"][yesterday.hour]["kwh"] == 1.5


def test_the_new_owner_has_no_former_meters_and_none_of_the_former_owners_hours(
    client_b, handed_over_meter
):
    device, yesterday = handed_over_meter
    _, api = _page_session_api(client_b)
    assert api.get("/api/devices/former/").json()["count"] == 0
    answer = api.get(
        f"/api/devices/{device.id}/consumption/",
        {"date": yesterday.date().isoformat(), "tz": "UTC"},
    ).json()
    assert {hour["kwh"] for hour in answer["hours"]} == {None}


def test_the_scripts_read_the_former_meters_list_and_draw_hidden_hours_as_gaps():
    dashboard = (SCRIPTS / "dashboard.js").read_text()
    device = (SCRIPTS / "device.js").read_text()
    assert '"/api/devices/former/"' in dashboard
    assert "loadFormer()" in dashboard
    # The device page falls back to the former list when the devices API answers 404.
    assert re.search(r"error\.status !== 404", device)
    assert '"/api/devices/former/"' in device
    # Hours that were not the client's are null in the answers: never drawn as 0.
    assert "energyOrGap(entry, number)" in device
    assert "entry.kwh === null ? null" in (SCRIPTS / "ownership.js").read_text()
