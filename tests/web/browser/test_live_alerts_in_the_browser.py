"""A reading over the limit, ingested while the dashboard is open, shows up without a reload.

Every part is real: the readings go to `POST /api/readings/` on daphne with an administrator's
token, daphne enqueues them on the `readings` queue, a real Celery worker (tests/workers.py, in
this process, on the test databases) stores them, raises the alert and pushes `alert.created`
through the channel layer, and daphne's `/ws/notifications/` socket brings it to the page.
Daphne and the worker share the worktree's Redis (.env: REDIS_URL is both broker and channel
layer, in both processes).
"""

import json
import urllib.request

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.devices import services as device_services
from apps.monitoring.models import DeviceProjection
from ems.events import EVENTS_QUEUE, READINGS_QUEUE
from tests.sockets import access_token
from tests.web.meters import HOUR, assigned_meter, ingest, last_full_hour, readings
from tests.workers import celery_worker, wait_until

from .live import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def call(server, method: str, path: str, user, body=None) -> tuple[int, dict]:
    # Our own server over http://: S310's warning about file: URLs does not apply.
    request = urllib.request.Request(  # noqa: S310
        server.url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {access_token(user)}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_the_servers_and_the_worker_share_one_redis():
    # The daphne subprocess reads the same .env; both sides name one Redis database.
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    hosts = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert [host["address"] for host in hosts] == [settings.REDIS_URL]


def test_a_reading_over_the_limit_ingested_while_the_dashboard_is_open_shows_the_alert(
    signed_in_page, asgi_server, client_a, admin
):
    meter = assigned_meter(client_a, max_hourly_kwh="2.000")
    hour = last_full_hour()
    # 1.5 kWh so far in that hour: under the limit, no alert yet.
    in_a_thread(lambda: ingest(meter, hour, 100.0, 101.5))

    with celery_worker(READINGS_QUEUE):
        page = signed_in_page(client_a, "/dashboard/")
        card = page.locator(f"[data-device-id='{meter.id}']")
        expect(card.get_by_text("No unacknowledged alerts.")).to_be_visible()
        expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
        expect(page.locator("[data-alert-count]")).to_be_hidden()

        # One more reading brings the hour to 2.75 kWh, over the 2 kWh maximum.
        status, answer = call(
            asgi_server,
            "POST",
            "/api/readings/",
            admin,
            readings(meter, hour, 102.75, first_minute=2),
        )
        assert (status, answer["accepted"]) == (202, 1)

        toast = page.get_by_role("alert").filter(has_text="Consumption over the limit:")
        expect(toast).to_contain_text("2.75 kWh")
        expect(toast).to_contain_text("maximum 2.00 kWh")
        expect(toast.get_by_role("link")).to_have_attribute("href", f"/devices/{meter.id}/")
        expect(page.locator("[data-alert-count-value]")).to_have_text("1")
        # The meter's card is read again: its alert is listed.
        expect(card.get_by_text("1 unacknowledged alert")).to_be_visible()

    status, alerts = call(asgi_server, "GET", "/api/alerts/", client_a)
    assert status == 200
    assert [
        (alert["device"], alert["kwh"], alert["max_hourly_kwh"]) for alert in alerts["results"]
    ] == [(str(meter.id), 2.75, 2.0)]
    assert alerts["results"][0]["hour_start"] == hour.isoformat()


def test_a_client_acknowledges_an_alert_and_keeps_those_of_a_meter_taken_off_the_account(
    signed_in_page, client_a
):
    kept = assigned_meter(client_a, description="Kitchen meter")
    taken = assigned_meter(client_a, description="Garage meter")
    hour = last_full_hour()
    in_a_thread(lambda: ingest(kept, hour, 0.0, 2.5))
    in_a_thread(lambda: ingest(taken, hour - HOUR, 0.0, 3.0))
    with celery_worker(EVENTS_QUEUE):
        device_services.device_unassign(device=taken)
        projected = DeviceProjection.objects.using("monitoring").filter(id=taken.id)
        assert wait_until(lambda: projected.get().owner_id is None)

    page = signed_in_page(client_a, "/alerts/")
    rows = page.locator("[data-alert-list] > li")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-alert-count-value]")).to_have_text("2")
    # The alert stays the client's (raised while they owned the meter), but the meter's page is
    # no longer theirs: no link to it.
    taken_row, kept_row = rows.filter(has_text="3.00 kWh"), rows.filter(has_text="2.50 kWh")
    expect(taken_row).to_contain_text("Garage meter (no longer on your account)")
    expect(taken_row.get_by_role("link")).to_have_count(0)
    expect(kept_row.get_by_role("link", name="Kitchen meter")).to_have_attribute(
        "href", f"/devices/{kept.id}/"
    )

    kept_row.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(taken_row).to_have_count(1)
    expect(page.locator("[data-alert-count-value]")).to_have_text("1")
