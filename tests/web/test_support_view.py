"""The client's view for support: staff open a client's meter page read-only, in the client's
time zone, marked as a support view; a client's page of meters; clients cannot open either."""

import pytest
from django.test import Client

from tests.web.meters import assigned_meter_in_transaction

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


@pytest.fixture
def staff(admin_browser):
    return admin_browser


@pytest.fixture
def meter_of_a(client_a):
    client_a.timezone = "America/Chicago"
    client_a.save()
    return assigned_meter_in_transaction(client_a, description="Workshop meter")


def test_staff_open_the_clients_meter_page_marked_as_support(staff, meter_of_a):
    response = staff.get(f"/staff/devices/{meter_of_a.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Support view" in page
    assert "Alice Client's meter as they see it, read-only" in page
    # The page's days and hours are the client's, both for the API and for the display.
    assert 'data-tz="America/Chicago"' in page
    assert 'data-timezone="America/Chicago"' in page


def test_the_link_from_an_alert_opens_the_alerts_day_in_the_clients_zone(staff, meter_of_a):
    # 03:00 UTC on March 5 is still March 4 in Chicago.
    response = staff.get(f"/staff/devices/{meter_of_a.id}/?hour=2026-03-05T03:00:00%2B00:00")
    assert response.context["date"] == "2026-03-04"


def test_an_odd_day_is_named_and_today_shown(staff, meter_of_a):
    response = staff.get(f"/staff/devices/{meter_of_a.id}/?date=2026-02-30")
    assert response.status_code == 200
    assert response.context["date"] == ""
    assert "showing today" in response.content.decode()


def test_a_missing_meter_is_404(staff):
    assert staff.get("/staff/devices/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_clients_cannot_open_the_support_view(client_a, meter_of_a):
    browser = Client()
    browser.force_login(client_a)
    assert browser.get(f"/staff/devices/{meter_of_a.id}/")["Location"] == "/dashboard/"
    assert browser.get(f"/staff/clients/{client_a.id}/")["Location"] == "/dashboard/"


def test_the_clients_page_lists_their_meters_and_links_the_chat(staff, client_a, meter_of_a):
    page = staff.get(f"/staff/clients/{client_a.id}/").content.decode()
    assert f"/staff/devices/{meter_of_a.id}/" in page
    assert "Workshop meter" in page
    assert f"/staff/chat/?client={client_a.id}" in page


def test_an_administrator_is_not_a_client_page(staff, admin):
    assert staff.get(f"/staff/clients/{admin.id}/").status_code == 404
