"""The administrators' pages outside the admin, reached from the admin's index.

The alerts REST API belongs to the monitoring app, not merged yet: its answers are played by the
test (page.route), written against the contract in ../shared/DESIGN.md and docs/realtime.md.
The live alert comes through the real socket and channel layer.
"""

import re

import pytest
from playwright.sync_api import expect

from ems.groups import ADMINS_GROUP

from .live import alert_json, push_alert_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

DEVICE = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_an_administrator_acknowledges_alerts_and_sees_new_ones_live(signed_in_page, admin):
    acknowledged = []

    def alerts(route):
        results = [alert_json(41), alert_json(40)]
        route.fulfill(json={"count": 2, "next": None, "previous": None, "results": results})

    def acknowledge(route):
        alert_id = int(re.search(r"/api/alerts/(\d+)/", route.request.url).group(1))
        acknowledged.append((route.request.method, alert_id))
        route.fulfill(json={**alert_json(alert_id), "acknowledged_at": "2026-11-27T10:05:00Z"})

    def route_alerts(page):
        page.route(re.compile(r".*/api/alerts/(\?.*)?$"), alerts)
        page.route(re.compile(r".*/api/alerts/\d+/acknowledge/$"), acknowledge)

    page = signed_in_page(admin, "/admin/", before_goto=route_alerts)
    expect(page.get_by_role("link", name="Chat with clients")).to_have_attribute(
        "href", "/staff/chat/"
    )
    page.get_by_role("link", name="Alerts overview").click()

    expect(page.get_by_role("heading", name="Alerts overview")).to_be_visible()
    rows = page.locator("[data-alert-list] > li")
    expect(rows).to_have_count(2)
    # Meters link to their page in the admin, not to a client's page.
    expect(rows.first.get_by_role("link")).to_have_attribute(
        "href", f"/admin/devices/device/{DEVICE}/change/"
    )

    rows.first.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(rows).to_have_count(1)
    assert acknowledged == [("POST", 41)]

    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
    push_alert_to(ADMINS_GROUP, alert_id=43)
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-alert-id", "43")
    toast = page.get_by_role("alert").filter(has_text="Consumption over the limit:")
    expect(toast).to_be_visible()
    # No link to a client's device page in an administrator's toast.
    expect(toast.get_by_role("link")).to_have_count(0)
