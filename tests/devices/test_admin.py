"""The Django admin for devices: pages render, owners come without N+1 queries, the actions work."""

import hashlib
import re
from decimal import Decimal

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connections
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.devices import services
from apps.devices.models import Device
from apps.users import services as user_services
from apps.users.models import User
from tests.devices.conftest import make_device
from tests.factories import create_user

# The meter's page reads monitoring too: the limit that fits (admin_limit_views.py).
pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])

CHANGELIST = "/admin/devices/device/"


def _queries(browser, url) -> int:
    with (
        CaptureQueriesContext(connections["default"]) as users,
        CaptureQueriesContext(connections["devices"]) as devices,
    ):
        response = browser.get(url)
    assert response.status_code == 200
    return len(users) + len(devices)


def test_the_list_shows_owners_names_and_usernames(admin_browser, device_of_a, unassigned_device):
    response = admin_browser.get(CHANGELIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Alice Client" in content
    assert "alice" in content
    assert "Spare meter" in content


def test_the_list_reads_owners_in_one_query_per_page(admin_browser):
    owners = [create_user(username=f"owner{number}") for number in range(12)]
    make_device(owner_id=owners[0].id)
    make_device(owner_id=owners[1].id)
    few = _queries(admin_browser, CHANGELIST)
    for owner in owners[2:]:
        make_device(owner_id=owner.id)
    many = _queries(admin_browser, CHANGELIST)
    assert many == few
    content = admin_browser.get(CHANGELIST).content.decode()
    assert all(owner.name in content for owner in owners)


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("assigned=no", "Spare meter", "Alice&#x27;s meter"),
        ("assigned=yes", "Alice&#x27;s meter", "Spare meter"),
        ("q=warehouse", "Spare meter", "Alice&#x27;s meter"),
        ("meter_kind__exact=interval", "Bob&#x27;s heat pump", "Spare meter"),
    ],
)
def test_the_filters_and_search_narrow_the_list(
    admin_browser, device_of_a, unassigned_device, client_b, query, shown, hidden
):
    make_device(description="Bob's heat pump", owner_id=client_b.id, meter_kind="interval")
    content = admin_browser.get(f"{CHANGELIST}?{query}").content.decode()
    assert shown in content
    assert hidden not in content


def test_the_owner_filter_lists_clients(admin_browser, device_of_a, device_of_b, client_b):
    content = admin_browser.get(f"{CHANGELIST}?owner={client_b.id}").content.decode()
    assert "Bob&#x27;s meter" in content
    assert "Alice&#x27;s meter" not in content


def test_the_owner_is_picked_from_the_clients(admin_browser, client_a, admin):
    content = admin_browser.get(f"{CHANGELIST}add/").content.decode()
    assert '<select name="owner"' in content
    assert f'<option value="{client_a.id}">Alice Client (alice)</option>' in content
    assert f'value="{admin.id}"' not in content


def test_an_administrator_adds_a_device_through_the_services(admin_browser, client_a):
    response = admin_browser.post(
        f"{CHANGELIST}add/",
        {
            "description": "Garage",
            "address": "Str. Garajului 1",
            "max_hourly_kwh": "4.5",
            "meter_kind": "index",
            "owner": str(client_a.id),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    device = Device.objects.get(description="Garage")
    assert device.owner_id == client_a.id
    assert device.version > 0


def test_an_administrator_changes_and_reassigns_a_device(admin_browser, device_of_a, client_b):
    version = device_of_a.version
    response = admin_browser.post(
        f"{CHANGELIST}{device_of_a.id}/change/",
        {
            "description": "Renamed",
            "address": "Str. Lunga 1",
            "max_hourly_kwh": "2.5",
            "meter_kind": "index",
            "owner": str(client_b.id),
        },
    )
    assert response.status_code == 302
    device = Device.objects.get(id=device_of_a.id)
    assert (device.description, device.owner_id) == ("Renamed", client_b.id)
    assert device.version > version


def test_the_change_page_refuses_an_owner_that_is_no_client(admin_browser, device_of_a, admin):
    response = admin_browser.post(
        f"{CHANGELIST}{device_of_a.id}/change/",
        {
            "description": "x",
            "max_hourly_kwh": "2.5",
            "meter_kind": "index",
            "owner": str(admin.id),
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert Device.objects.get(id=device_of_a.id).description == "Alice's meter"


def test_the_change_page_of_a_deactivated_owners_device_still_saves(admin_browser, device_of_a):
    user_services.user_deactivate(user=User.objects.get(id=device_of_a.owner_id))
    page = admin_browser.get(f"{CHANGELIST}{device_of_a.id}/change/")
    assert "not an active client" in page.content.decode()
    response = admin_browser.post(
        f"{CHANGELIST}{device_of_a.id}/change/",
        {
            "description": "Still Alice's",
            "max_hourly_kwh": "2.5",
            "meter_kind": "index",
            "owner": str(device_of_a.owner_id),
        },
    )
    assert response.status_code == 302
    assert Device.objects.get(id=device_of_a.id).owner_id == device_of_a.owner_id


def test_the_assign_action_asks_for_a_client_then_assigns(
    admin_browser, unassigned_device, device_of_b, client_a
):
    selected = [str(unassigned_device.id), str(device_of_b.id)]
    page = admin_browser.post(
        CHANGELIST, {"action": "assign_to_client", "_selected_action": selected}
    )
    assert page.status_code == 200
    assert "Alice Client (alice)" in page.content.decode()
    done = admin_browser.post(
        CHANGELIST,
        {
            "action": "assign_to_client",
            "_selected_action": selected,
            "apply": "yes",
            "owner": str(client_a.id),
        },
    )
    assert done.status_code == 302
    owners = set(Device.objects.filter(id__in=selected).values_list("owner_id", flat=True))
    assert owners == {client_a.id}


def test_the_unassign_action_unassigns(admin_browser, device_of_a):
    admin_browser.post(
        CHANGELIST, {"action": "unassign_selected", "_selected_action": [str(device_of_a.id)]}
    )
    assert Device.objects.get(id=device_of_a.id).owner_id is None


def _issue_token(browser, device):
    return browser.post(
        CHANGELIST, {"action": "issue_ingestion_tokens", "_selected_action": [str(device.id)]}
    )


def _token_in(text: str) -> str:
    return re.search(r"emsd_[\w-]+", text).group(0)


def _readable(cookie_value: str) -> str:
    """A cookie's value, plus what Django's signed (and compressed) message cookie holds."""
    decoded = CookieStorage(HttpRequest())._decode(cookie_value) or []
    return " ".join([cookie_value, *(str(message) for message in decoded)])


def test_the_token_action_shows_the_token_once_and_keeps_only_its_hash(admin_browser, device_of_a):
    response = _issue_token(admin_browser, device_of_a)
    assert response.status_code == 200
    token = _token_in(response.content.decode())
    stored = Device.objects.get(id=device_of_a.id).ingestion_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert "no-store" in response["Cache-Control"]
    # Shown once: the next pages do not have it.
    assert token not in admin_browser.get(CHANGELIST).content.decode()
    assert token not in admin_browser.get(f"{CHANGELIST}{device_of_a.id}/change/").content.decode()


def test_the_token_never_travels_in_a_cookie(admin_browser, device_of_a):
    response = _issue_token(admin_browser, device_of_a)
    answers = [response]
    while answers[-1].status_code == 302:
        answers.append(admin_browser.get(answers[-1]["Location"]))
    token = _token_in(answers[-1].content.decode())
    cookies = [_readable(morsel.value) for answer in answers for morsel in answer.cookies.values()]
    assert not [cookie for cookie in cookies if token in cookie]


def test_the_revoke_action_revokes(admin_browser, device_of_a):
    services.device_ingestion_token_issue(device=device_of_a)
    admin_browser.post(
        CHANGELIST,
        {"action": "revoke_ingestion_tokens", "_selected_action": [str(device_of_a.id)]},
    )
    assert Device.objects.get(id=device_of_a.id).ingestion_token_hash is None


def test_deleting_in_the_admin_goes_through_the_services(admin_browser, device_of_a):
    response = admin_browser.post(f"{CHANGELIST}{device_of_a.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Device.objects.filter(id=device_of_a.id).exists()


def test_a_client_cannot_enter_the_devices_admin(client_a):
    browser = Client()
    browser.force_login(client_a)
    assert browser.get(CHANGELIST).status_code == 302


def test_the_admin_shows_limits_with_three_decimals(admin_browser):
    make_device(description="Precise", max_hourly_kwh=Decimal("1.5"))
    assert "1.500" in admin_browser.get(CHANGELIST).content.decode()
