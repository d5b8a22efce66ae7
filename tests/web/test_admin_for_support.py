"""The Django admin as administrators work in it: their time zone on a 24-hour clock, names instead
of ids, short meter ids, kWh to two decimals, tokens from the meter's page, technical sections
last."""

import datetime as dt
import re

import pytest
from django.test import Client

from apps.devices.models import Device
from tests.factories import create_user, signed_in
from tests.web.meters import assigned_meter_in_transaction, ingest, last_full_hour

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


@pytest.fixture
def admin_browser(admin):
    admin.timezone = "Asia/Tokyo"  # UTC+9, no DST: 04:00 UTC is 13:00 there
    admin.save()
    return signed_in(admin)


@pytest.fixture
def alert_of_a(client_a):
    meter = assigned_meter_in_transaction(client_a, description="Workshop meter")
    ingest(meter, last_full_hour(), 100.0, 101.0, 103.123456)  # 3.123456 kWh > 2 kWh
    return meter


def test_the_alert_list_names_meter_and_client_in_the_admins_zone(admin_browser, alert_of_a):
    page = admin_browser.get("/admin/monitoring/alert/").content.decode()
    assert "Workshop meter" in page
    assert str(alert_of_a.id)[:8] in page
    assert "Alice Client" in page
    assert "3.12 kWh" in page
    assert "2.000 kWh" in page
    tokyo = last_full_hour() + dt.timedelta(hours=9)
    assert tokyo.strftime("%Y-%m-%d %H:00") in page  # the hour in Tokyo, 24-hour clock
    assert "p.m." not in page
    assert "a.m." not in page


def test_the_alert_list_filters_by_client_and_meter(admin_browser, alert_of_a, client_b):
    other = assigned_meter_in_transaction(client_b, description="Bakery meter")
    ingest(other, last_full_hour(), 1.0, 9.0)
    by_client = admin_browser.get(f"/admin/monitoring/alert/?owner={client_b.id}")
    assert "Bakery meter" in by_client.content.decode()
    assert "Workshop meter" not in by_client.content.decode()
    # The meter filter offers the chosen client's meters by name.
    assert "Bakery meter · " in by_client.content.decode()
    by_meter = admin_browser.get(f"/admin/monitoring/alert/?device={alert_of_a.id}")
    assert "Workshop meter" in by_meter.content.decode()
    assert "Bakery meter" not in by_meter.content.decode().split('id="changelist-filter"')[0]


def test_the_device_list_has_short_ids_and_two_decimals(admin_browser, alert_of_a):
    page = admin_browser.get("/admin/devices/device/").content.decode()
    assert re.search(rf"<code title=\"{alert_of_a.id}\">{str(alert_of_a.id)[:8]}</code>", page)
    assert "2.000 kWh" in page
    assert "Alice Client" in page


def test_times_follow_each_administrators_zone(admin, alert_of_a):
    reykjavik = create_user(role="admin", username="reykjavik", timezone="Atlantic/Reykjavik")
    browser = Client()
    browser.force_login(reykjavik)
    page = browser.get("/admin/monitoring/alert/").content.decode()
    assert last_full_hour().strftime("%Y-%m-%d %H:00") in page  # Reykjavik keeps UTC


def test_a_meter_gets_and_loses_its_ingestion_token_on_its_own_page(admin_browser, alert_of_a):
    change = f"/admin/devices/device/{alert_of_a.id}/change/"
    assert "Issue an ingestion token" in admin_browser.get(change).content.decode()
    issued = admin_browser.post(f"/admin/devices/device/{alert_of_a.id}/ingestion-token/issue/")
    assert issued.status_code == 200
    assert "no-store" in issued["Cache-Control"]
    token = re.search(r"data-ingestion-token>([^<]+)<", issued.content.decode()).group(1)
    assert len(token) > 20
    assert Device.objects.get(id=alert_of_a.id).ingestion_token_hash is not None
    assert "Revoke the ingestion token" in admin_browser.get(change).content.decode()
    revoked = admin_browser.post(
        f"/admin/devices/device/{alert_of_a.id}/ingestion-token/revoke/", follow=True
    )
    assert "is revoked" in revoked.content.decode()
    assert Device.objects.get(id=alert_of_a.id).ingestion_token_hash is None


def test_the_token_buttons_take_only_posts_from_administrators(admin_browser, alert_of_a, client_a):
    url = f"/admin/devices/device/{alert_of_a.id}/ingestion-token/issue/"
    assert admin_browser.get(url).status_code == 405
    client = Client()
    client.force_login(client_a)
    assert client.post(url).status_code == 302
    assert Device.objects.get(id=alert_of_a.id).ingestion_token_hash is None
    missing = "/admin/devices/device/00000000-0000-0000-0000-000000000000/ingestion-token/issue/"
    assert admin_browser.post(missing).status_code == 404


def test_the_index_puts_the_technical_sections_last(admin_browser):
    page = admin_browser.get("/admin/").content.decode()
    captions = re.findall(r"<caption>\s*<a[^>]*>([^<]+)</a>", page)
    work = [captions.index(name) for name in ("Users", "Devices", "Monitoring")]
    technical = [i for i, name in enumerate(captions) if name.startswith("Technical · ")]
    assert technical
    assert max(work) < min(technical)
