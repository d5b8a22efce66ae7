"""The device page's scripts in a real browser: its calendar, its address, its failures."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.factories import STRONG_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def signed_in_page(page, live_server, client_a):
    client_a.timezone = "Europe/Bucharest"
    client_a.save()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/dashboard/")
    return page


def test_days_weeks_and_months_are_counted_in_the_accounts_time_zone(signed_in_page):
    results = signed_in_page.evaluate(
        """async () => {
            const f = await import("/static/js/format.js");
            return {
                timezone: f.timezone,
                lateEvening: f.localDate(new Date("2026-11-26T22:30:00Z")),
                week: f.weekOf("2026-11-27"),
                weekAcrossYears: f.weekOf("2027-01-01"),
                leapFebruary: f.monthOf("2024-02-10"),
                monthEndBack: f.addMonths("2026-03-31", -1),
                dstHour: f.hourLabel("2026-03-29T01:00:00Z"),
                current: f.currentHour(
                    [{start: "2026-11-27T10:00:00Z"}, {start: "2026-11-27T11:00:00Z"}],
                    Date.parse("2026-11-27T11:59:59Z"),
                ),
            };
        }"""
    )
    assert results == {
        "timezone": "Europe/Bucharest",
        "lateEvening": "2026-11-27",
        "week": {"from": "2026-11-23", "to": "2026-11-29"},
        "weekAcrossYears": {"from": "2026-12-28", "to": "2027-01-03"},
        "leapFebruary": {"from": "2024-02-01", "to": "2024-02-29"},
        "monthEndBack": "2026-02-28",
        "dstHour": "04:00",
        "current": {"start": "2026-11-27T11:00:00Z"},
    }


def test_an_unknown_meter_says_it_could_not_be_loaded(signed_in_page, live_server):
    signed_in_page.goto(f"{live_server.url}/devices/{uuid.uuid4()}/")
    expect(
        signed_in_page.get_by_text("Could not load this meter: No device with that id.")
    ).to_be_visible()


def test_the_chosen_period_and_date_are_kept_in_the_address(signed_in_page, live_server):
    device = uuid.uuid4()
    signed_in_page.goto(f"{live_server.url}/devices/{device}/?view=day&date=2026-11-27")
    expect(signed_in_page.get_by_label("Date")).to_have_value("2026-11-27")

    signed_in_page.get_by_label("Week").check()
    expect(signed_in_page).to_have_url(
        f"{live_server.url}/devices/{device}/?view=week&date=2026-11-27"
    )
    signed_in_page.get_by_role("button", name="Previous period").click()
    expect(signed_in_page.get_by_label("Date")).to_have_value("2026-11-20")
    expect(signed_in_page).to_have_url(
        f"{live_server.url}/devices/{device}/?view=week&date=2026-11-20"
    )


def test_a_date_in_the_address_the_page_cannot_show_is_named_and_today_is_shown(
    signed_in_page, live_server
):
    signed_in_page.goto(f"{live_server.url}/devices/{uuid.uuid4()}/?view=day&date=9999-12-31")
    expect(signed_in_page.get_by_role("alert").first).to_contain_text(
        "The date in the address, “9999-12-31”, is not a day from 1970-01-01 to 2999-12-31"
    )
    expect(signed_in_page.get_by_label("Date")).not_to_have_value("9999-12-31")
    expect(signed_in_page.get_by_label("Date")).not_to_have_value("")
