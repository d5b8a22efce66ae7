"""The fleet overview for staff: status of every meter, sorted, filtered, searched and paged on
the server; only administrators see it."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.devices import services as device_services
from apps.devices.events import device_event
from apps.monitoring import fleet
from apps.monitoring.projection import device_projection_apply
from tests.web.meters import assigned_meter_in_transaction, ingest

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring"])


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    # Each test has its own meters: no figures kept from the one before.
    fleet.snapshot_cache_clear()
    yield
    fleet.snapshot_cache_clear()


@pytest.fixture
def staff(admin_browser):
    return admin_browser


def _this_hour() -> dt.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def fleet_of_four(client_a, client_b):
    """One meter in each state that data alone decides: over, ok, silent, unassigned."""
    over = assigned_meter_in_transaction(client_a, description="Over meter", max_hourly_kwh="1.000")
    ok = assigned_meter_in_transaction(client_b, description="Calm meter", max_hourly_kwh="50.000")
    silent = assigned_meter_in_transaction(client_a, description="Quiet meter")
    unassigned = device_services.device_create(
        description="Spare meter", address="", max_hourly_kwh="1.000"
    )
    device_projection_apply(event=device_event(device=unassigned, visible_owner_id=None))
    hour = _this_hour()
    # Two readings a minute apart, the last one within a minute of now, in this hour.
    recent = max(0, (timezone.now() - hour).seconds // 60 - 1)
    ingest(over, hour, 100.0, 105.0, first_minute=recent)  # 5 kWh this hour, the limit is 1
    ingest(ok, hour, 1.0, 1.1, first_minute=recent)
    ingest(silent, hour - dt.timedelta(hours=3), 7.0, 7.5)  # nothing for three hours
    return {"over": over, "ok": ok, "silent": silent, "unassigned": unassigned}


def _statuses(response) -> dict[str, str]:
    page = response.content.decode()
    return dict(
        re.findall(r'<tr data-device-id="([0-9a-f-]+)".*?data-status="(\w+)"', page, re.DOTALL)
    )


def test_each_meter_gets_its_status(staff, fleet_of_four):
    statuses = _statuses(staff.get("/staff/fleet/"))
    assert statuses[str(fleet_of_four["silent"].id)] == "silent"
    assert statuses[str(fleet_of_four["unassigned"].id)] == "unassigned"
    assert statuses[str(fleet_of_four["ok"].id)] == "ok"
    assert statuses[str(fleet_of_four["over"].id)] == "over"


def test_the_page_names_owners_and_counts_by_status(staff, fleet_of_four):
    page = staff.get("/staff/fleet/").content.decode()
    assert "Alice Client" in page
    assert "Bob Client" in page
    assert re.search(r'data-status-count="silent">1<', page)
    assert re.search(r'data-status-count="unassigned">1<', page)


def test_the_status_filter_narrows_the_rows(staff, fleet_of_four):
    statuses = _statuses(staff.get("/staff/fleet/?status=silent"))
    assert list(statuses) == [str(fleet_of_four["silent"].id)]


def test_the_search_finds_meters_by_name_and_by_owner(staff, fleet_of_four):
    assert list(_statuses(staff.get("/staff/fleet/?q=calm"))) == [str(fleet_of_four["ok"].id)]
    by_owner = _statuses(staff.get("/staff/fleet/?q=bob"))
    assert list(by_owner) == [str(fleet_of_four["ok"].id)]
    prefix = str(fleet_of_four["silent"].id)[:8]
    assert list(_statuses(staff.get(f"/staff/fleet/?q={prefix}"))) == [
        str(fleet_of_four["silent"].id)
    ]


def test_sorting_by_meter_name_both_ways(staff, fleet_of_four):
    names = ["Calm meter", "Over meter", "Quiet meter", "Spare meter"]
    ascending = staff.get("/staff/fleet/?sort=meter").content.decode()
    assert [name for name in re.findall(r">(\w+ meter)</a>", ascending)] == names
    descending = staff.get("/staff/fleet/?sort=meter&order=desc").content.decode()
    assert re.findall(r">(\w+ meter)</a>", descending) == names[::-1]


def test_the_worst_come_first_by_default(staff, fleet_of_four):
    statuses = list(_statuses(staff.get("/staff/fleet/")).values())
    assert statuses == sorted(statuses, key=["over", "warning", "silent", "unassigned", "ok"].index)


def test_pages_of_fifty(staff, client_a):
    for number in range(55):
        assigned_meter_in_transaction(client_a, description=f"Meter {number:02d}")
    first = _statuses(staff.get("/staff/fleet/?sort=meter"))
    second = _statuses(staff.get("/staff/fleet/?sort=meter&page=2"))
    assert len(first) == 50
    assert len(second) == 5
    assert not set(first) & set(second)


def test_odd_parameters_fall_back_to_the_defaults(staff, fleet_of_four):
    for query in ("sort=id;drop", "status=everything", "page=-1", "page=²", "order=sideways"):
        assert staff.get(f"/staff/fleet/?{query}").status_code == 200


def test_clients_are_sent_home(client_a):
    browser = Client()
    browser.force_login(client_a)
    assert browser.get("/staff/fleet/")["Location"] == "/dashboard/"


def test_a_running_hour_heading_over_is_a_warning(client_a):
    meter = assigned_meter_in_transaction(client_a, max_hourly_kwh="10.000")
    now = _this_hour() + dt.timedelta(minutes=30)
    ingest(meter, _this_hour(), 0.0, 6.0, first_minute=28)  # 6 kWh in half an hour: 12 projected
    page = fleet.fleet_page(
        owner_names={client_a.id: "Alice"},
        day_start=_this_hour() - dt.timedelta(hours=1),
        day_end=_this_hour() + dt.timedelta(hours=2),
        now=now,
    )
    assert [row.status for row in page.rows] == ["warning"]


def test_sorting_and_paging_reuse_the_fleets_figures_for_a_few_seconds(staff, fleet_of_four):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    staff.get("/staff/fleet/")
    with CaptureQueriesContext(connections["monitoring"]) as queries:
        response = staff.get("/staff/fleet/?sort=meter&order=desc&q=meter")
    assert response.status_code == 200
    assert not [query for query in queries if "monitoring_reading" in query["sql"]]
    assert len(_statuses(response)) == 4
