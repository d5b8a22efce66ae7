"""Administrators' pages outside the admin (chat, alerts overview) and the admin's links to them."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/staff/chat/", "/staff/alerts/"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_an_administrator_sees_the_staff_pages(admin_browser, path):
    response = admin_browser.get(path)
    assert response.status_code == 200
    assert b'type="module"' in response.content


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_client_is_sent_to_the_dashboard_with_a_message(client_browser, path):
    response = client_browser.get(path, follow=True)
    assert response.redirect_chain == [("/dashboard/", 302)]
    assert b"That page is for administrators only." in response.content


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(path):
    response = Client().get(path)
    assert response["Location"] == f"/login/?next={path}"


def test_the_admin_index_links_to_the_chat_and_the_alerts_overview(admin_browser):
    html = admin_browser.get("/admin/").content.decode()
    assert '<a href="/staff/chat/">Chat with clients</a>' in html
    assert '<a href="/staff/alerts/">Alerts overview</a>' in html
    # The admin's own index is still there, around the links.
    assert "EMS administration" in html
    assert 'id="content-main"' in html


def test_only_the_alerts_overview_asks_for_live_alerts_as_an_administrator(admin_browser):
    assert b"data-live-alerts" in admin_browser.get("/staff/alerts/").content
    assert b"data-live-alerts" not in admin_browser.get("/staff/chat/").content


def test_the_client_nav_links_to_the_chat(client_browser):
    html = client_browser.get("/chat/").content.decode()
    assert '<a href="/chat/" aria-current="page">' in html
    assert "data-chat-unread" in html
