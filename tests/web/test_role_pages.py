"""Who may see which page: clients their own pages, administrators the admin, nobody anonymous."""

import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["/dashboard/", f"/devices/{uuid.uuid4()}/", "/alerts/", "/chat/"]


@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_a_client_sees_their_pages(client_browser, path):
    response = client_browser.get(path)
    assert response.status_code == 200
    assert b'type="module"' in response.content


@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", CLIENT_PAGES)
def test_an_administrator_is_sent_to_the_admin(admin_browser, path):
    response = admin_browser.get(path)
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("path", ["/admin/", "/admin/users/user/", "/admin/login/"])
def test_a_client_asking_for_an_admin_page_goes_to_the_dashboard_with_a_message(
    client_browser, path
):
    response = client_browser.get(path, follow=True)
    assert response.redirect_chain == [("/dashboard/", 302)]
    assert b"That page is for administrators only." in response.content
    assert b"EMS administration" not in response.content


def test_a_client_cannot_post_to_the_admin_either(client_browser, client_b):
    response = client_browser.post(f"/admin/users/user/{client_b.id}/delete/", {"post": "yes"})
    assert response["Location"] == "/dashboard/"
    assert client_b.__class__.objects.filter(id=client_b.id).exists()


def test_an_administrator_still_uses_the_admin(admin_browser):
    assert admin_browser.get("/admin/users/user/").status_code == 200


def test_an_unknown_device_address_is_a_404(client_browser):
    assert client_browser.get("/devices/not-a-uuid/").status_code == 404


def test_the_device_page_loads_the_vendored_chart_library(client_browser):
    html = client_browser.get(f"/devices/{uuid.uuid4()}/").content.decode()
    assert "/static/vendor/chartjs/chart.umd.min.js" in html


def test_an_unknown_page_is_a_styled_404(client_browser):
    response = client_browser.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"css/ems.css" in response.content


def test_an_unknown_api_address_stays_a_json_404(client_browser):
    response = client_browser.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "date",
    ["2026-13-45", "yesterday", "\u0662\u0660\u0662\u0666-01-15", "9999-12-31", "0001-01-01"],
)
def test_a_date_in_the_device_address_that_is_not_a_day_is_named_in_a_notice(client_browser, date):
    response = client_browser.get(f"/devices/{uuid.uuid4()}/", {"date": date})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"The date in the address, “{date}”, is not a day from 1970-01-01 to 2999-12-31" in html
    assert 'data-date=""' in html


def test_a_day_in_the_device_address_is_the_one_shown_without_a_notice(client_browser):
    html = client_browser.get(f"/devices/{uuid.uuid4()}/", {"date": "2026-01-15"}).content.decode()
    assert 'data-date="2026-01-15"' in html
    assert "data-date-error" not in html
    assert 'min="1970-01-01" max="2999-12-31"' in html
