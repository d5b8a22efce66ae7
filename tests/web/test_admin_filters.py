"""Every filter of every Django admin list answers an odd value with a page, never a 500."""

import urllib.parse

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db(databases="__all__")

ODD_VALUES = ["²", "٣", "a\x00b", "\x00", "\ud800", "9" * 30, "-1", "0001-01-01", "x"]


def _filtered_lists(admin_user) -> list[tuple[str, str]]:
    """(changelist URL, parameter) for each parameter of each list filter of each admin."""
    request = RequestFactory().get("/")
    request.user = admin_user
    lists = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.get_list_filter(request):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        changelist = model_admin.get_changelist_instance(request)
        for spec in changelist.filter_specs:
            lists += [(url, parameter) for parameter in spec.expected_parameters()]
    return lists


def _get(browser, url: str, parameter: str, value: str):
    quoted = urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")
    return browser.get(f"{url}?{parameter}={quoted}")


def test_the_admin_lists_with_filters_are_all_checked(admin, client_a):
    checked = set(_filtered_lists(admin))
    assert {
        ("/admin/devices/device/", "owner"),
        ("/admin/users/user/", "role__exact"),
        ("/admin/monitoring/quarantinedreading/", "reason__exact"),
    } <= checked


def test_no_odd_value_in_any_admin_list_filter_answers_5xx(admin_browser, admin, client_a):
    # With a client account, the devices list has its owner filter.
    failures = []
    for url, parameter in _filtered_lists(admin):
        for value in ODD_VALUES:
            try:
                status = _get(admin_browser, url, parameter, value).status_code
            except Exception as error:  # the test client re-raises what the view raised
                status = repr(error)
            if not isinstance(status, int) or status >= 500:
                failures.append((url, parameter, value, status))
    assert failures == []


@pytest.mark.parametrize("query", ["role__exact=a%00b", "q=%00", "is_active__exact=1%00", "x%00=1"])
def test_a_nul_in_a_page_address_is_a_readable_400_page(admin_browser, query):
    response = admin_browser.get(f"/admin/users/user/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "NUL" in response.content.decode()


def test_a_nul_in_an_api_address_is_a_400_with_a_json_detail(api_a):
    response = api_a.get("/api/alerts/?since=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_an_owner_filter_that_is_not_an_account_id_says_so(admin_browser, client_a):
    response = admin_browser.get("/admin/devices/device/?owner=²", follow=True)
    assert response.status_code == 200
    assert "not an account id" in response.content.decode()
