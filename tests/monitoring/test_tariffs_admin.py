"""Administrators define tariffs and put meters on them in the admin; the past never changes."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.monitoring.models import MeterTariff, Tariff, TariffPrice

from .conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])


@pytest.fixture
def tariff():
    return Tariff.objects.using("monitoring").create(name="Flat", currency="EUR", time_zone="UTC")


def today():
    return dt.datetime.now(dt.UTC).date()


def price_form(tariff, effective_from) -> dict:
    return {
        "tariff": tariff.id,
        "effective_from": effective_from.isoformat(),
        "price_per_kwh": "0.25",
        "standing_charge_per_day": "0.5",
        "bands-TOTAL_FORMS": "1",
        "bands-INITIAL_FORMS": "0",
        "bands-0-weekdays": "12345",
        "bands-0-starts_at": "07:00",
        "bands-0-ends_at": "00:00",
        "bands-0-price_per_kwh": "0.30",
    }


def test_it_adds_a_tariff_with_a_back_dated_price_while_no_meter_is_on_it(admin_browser, tariff):
    response = admin_browser.post(
        "/admin/monitoring/tariffprice/add/", price_form(tariff, dt.date(2024, 1, 1))
    )
    assert response.status_code == 302
    (price,) = TariffPrice.objects.using("monitoring").filter(tariff=tariff)
    assert [band.ends_at for band in price.bands.all()] == [dt.time(0)]


def test_it_refuses_a_price_that_would_rewrite_past_hours_of_a_meter(admin_browser, tariff):
    MeterTariff.objects.using("monitoring").create(
        device_id=make_device(), tariff=tariff, valid_from=dt.date(2024, 1, 1)
    )
    response = admin_browser.post("/admin/monitoring/tariffprice/add/", price_form(tariff, today()))
    assert response.status_code == 200
    assert b"from tomorrow on" in response.content
    tomorrow = today() + dt.timedelta(days=1)
    response = admin_browser.post(
        "/admin/monitoring/tariffprice/add/", price_form(tariff, tomorrow)
    )
    assert response.status_code == 302


def test_a_price_in_force_cannot_be_changed_or_deleted(admin_browser, tariff):
    price = TariffPrice.objects.using("monitoring").create(
        tariff=tariff, effective_from=dt.date(2024, 1, 1), price_per_kwh=Decimal("0.2")
    )
    MeterTariff.objects.using("monitoring").create(
        device_id=make_device(), tariff=tariff, valid_from=dt.date(2024, 1, 1)
    )
    form = price_form(tariff, dt.date(2024, 1, 1)) | {"price_per_kwh": "9"}
    response = admin_browser.post(f"/admin/monitoring/tariffprice/{price.id}/change/", form)
    assert response.status_code == 403
    price.refresh_from_db()
    assert price.price_per_kwh == Decimal("0.2")
    response = admin_browser.post(
        f"/admin/monitoring/tariffprice/{price.id}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403


def test_a_meter_changes_tariff_from_tomorrow_only_and_never_to_another_currency(
    admin_browser, tariff
):
    device_id = make_device()
    MeterTariff.objects.using("monitoring").create(
        device_id=device_id, tariff=tariff, valid_from=dt.date(2024, 1, 1)
    )
    other = Tariff.objects.using("monitoring").create(name="Dear", currency="EUR")
    form = {"device": device_id, "tariff": other.id, "valid_from": today().isoformat()}
    response = admin_browser.post("/admin/monitoring/metertariff/add/", form)
    assert b"from tomorrow on" in response.content
    leu = Tariff.objects.using("monitoring").create(name="Lei", currency="RON")
    form |= {"tariff": leu.id, "valid_from": (today() + dt.timedelta(days=3)).isoformat()}
    assert b"one currency" in admin_browser.post("/admin/monitoring/metertariff/add/", form).content
    form |= {"tariff": other.id}
    assert admin_browser.post("/admin/monitoring/metertariff/add/", form).status_code == 302


def test_a_tariff_needs_a_real_zone_and_currency(admin_browser):
    response = admin_browser.post(
        "/admin/monitoring/tariff/add/",
        {
            "name": "X",
            "currency": "E1",
            "time_zone": "Mars/Base",
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert b"Unknown time zone" in response.content
