"""Costs in the consumption answers: the price in force at each hour, standing charges per day."""

import calendar
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from apps.monitoring.models import (
    HourlyConsumption,
    MeterTariff,
    Tariff,
    TariffBand,
    TariffPrice,
)

from .conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

UTC = dt.UTC
H = dt.timedelta(hours=1)


def url(device_id) -> str:
    return f"/api/devices/{device_id}/consumption/"


def db():
    return "monitoring"


def make_tariff(*, zone="Europe/Bucharest", currency="RON") -> Tariff:
    """Working days 07:00-23:00 dear, weekends cheap all day, nights at the base price; from
    2025-06-15 everything dearer, the standing charge too."""
    tariff = Tariff.objects.using(db()).create(name="Dual", currency=currency, time_zone=zone)
    for since, base, standing, day_price, weekend in [
        (dt.date(2024, 1, 1), "0.80", "1.50", "1.00", "0.60"),
        (dt.date(2025, 6, 15), "0.90", "2.00", "1.20", "0.70"),
    ]:
        price = TariffPrice.objects.using(db()).create(
            tariff=tariff,
            effective_from=since,
            price_per_kwh=Decimal(base),
            standing_charge_per_day=Decimal(standing),
        )
        TariffBand.objects.using(db()).create(
            price=price,
            weekdays="12345",
            starts_at=dt.time(7),
            ends_at=dt.time(23),
            price_per_kwh=Decimal(day_price),
        )
        TariffBand.objects.using(db()).create(
            price=price,
            weekdays="67",
            starts_at=dt.time(0),
            ends_at=dt.time(0),
            price_per_kwh=Decimal(weekend),
        )
    return tariff


def kwh_at(instant: dt.datetime) -> Decimal:
    return Decimal((int(instant.timestamp()) // 3600) % 7 + 1) / 4


@pytest.fixture
def meter(client_a):
    device_id = make_device(owner_id=client_a.id)
    MeterTariff.objects.using(db()).create(
        device_id=device_id, tariff=make_tariff(), valid_from=dt.date(2024, 1, 1)
    )
    return device_id


def store_year(device_id, year: int) -> None:
    start = dt.datetime(year - 1, 12, 31, 20, tzinfo=UTC)
    HourlyConsumption.objects.using(db()).bulk_create(
        HourlyConsumption(device_id=device_id, hour_start=start + i * H, kwh=kwh_at(start + i * H))
        for i in range(367 * 24)
    )


# The independent computation: local wall-clock hours of Bucharest written out by hand, with
# 2025's DST changes as facts (30 March: 03:00 does not exist; 26 October: 03:00 happens twice),
# and the tariff read as a table, not through the code under test.
def local_hours_2025():
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        summer = dt.date(2025, 3, 30) < day < dt.date(2025, 10, 26)
        for hour in range(24):
            if day == dt.date(2025, 3, 30):
                if hour == 3:
                    continue  # skipped: 03:00 -> 04:00
                offset = 2 if hour < 3 else 3
                yield day, hour, [offset]
            elif day == dt.date(2025, 10, 26):
                offsets = [3, 2] if hour == 3 else [3] if hour < 3 else [2]
                yield day, hour, offsets
            else:
                yield day, hour, [3 if summer else 2]
        day += dt.timedelta(days=1)


def expected_price(day: dt.date, hour: int) -> Decimal:
    later = day >= dt.date(2025, 6, 15)
    if day.isoweekday() >= 6:
        return Decimal("0.70" if later else "0.60")
    if 7 <= hour < 23:
        return Decimal("1.20" if later else "1.00")
    return Decimal("0.90" if later else "0.80")


def expected_month_costs_2025() -> dict[int, Decimal]:
    costs = {month: Decimal(0) for month in range(1, 13)}
    for day, hour, offsets in local_hours_2025():
        for offset in offsets:
            instant = dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - offset * H
            costs[day.month] += kwh_at(instant) * expected_price(day, hour)
    for month in range(1, 13):
        for number in range(1, calendar.monthrange(2025, month)[1] + 1):
            later = dt.date(2025, month, number) >= dt.date(2025, 6, 15)
            costs[month] += Decimal("2.00" if later else "1.50")
    return costs


def test_a_years_costs_match_an_independent_computation_across_dst_and_a_price_change(api_a, meter):
    store_year(meter, 2025)
    body = api_a.get(
        url(meter), {"from": "2025-01-01", "to": "2025-12-31", "bucket": "month"}
    ).json()
    expected = expected_month_costs_2025()
    assert body["currency"] == "RON"
    assert [bucket["cost"] for bucket in body["buckets"]] == [
        pytest.approx(float(expected[month]), abs=1e-4) for month in range(1, 13)
    ]
    assert body["total_cost"] == pytest.approx(float(sum(expected.values())), abs=1e-3)
    assert body["standing_charge"] == pytest.approx(165 * 1.5 + 200 * 2.0)
    # The same year by day: the two DST days and the day of the price change.
    for date in ["2025-03-30", "2025-06-15", "2025-10-26"]:
        day = dt.date.fromisoformat(date)
        daily = api_a.get(url(meter), {"from": date, "to": date, "bucket": "day"}).json()
        hours = [(d, h, o) for d, h, o in local_hours_2025() if d == day]
        energy = sum(
            kwh_at(dt.datetime(d.year, d.month, d.day, h, tzinfo=UTC) - offset * H)
            * expected_price(d, h)
            for d, h, offsets in hours
            for offset in offsets
        )
        standing = Decimal("2.00" if day >= dt.date(2025, 6, 15) else "1.50")
        assert daily["buckets"][0]["cost"] == pytest.approx(float(energy + standing), abs=1e-4)


def test_a_days_hours_carry_their_cost_and_the_total_adds_the_standing_charge(api_a, meter):
    # Monday 2025-06-16 in Bucharest (UTC+3): 06:00 local is the base price, 07:00 the day band.
    day = dt.datetime(2025, 6, 16, tzinfo=UTC) - 3 * H
    HourlyConsumption.objects.using(db()).bulk_create(
        [
            HourlyConsumption(device_id=meter, hour_start=day + 6 * H, kwh=Decimal("2")),
            HourlyConsumption(device_id=meter, hour_start=day + 7 * H, kwh=Decimal("3")),
        ]
    )
    body = api_a.get(url(meter), {"date": "2025-06-16"}).json()
    assert [hour["cost"] for hour in body["hours"][5:9]] == [None, 1.8, 3.6, None]
    assert body["standing_charge"] == 2.0
    assert body["total_cost"] == pytest.approx(1.8 + 3.6 + 2.0)


def test_a_meter_without_a_tariff_answers_no_costs(api_a, client_a):
    device_id = make_device(owner_id=client_a.id)
    body = api_a.get(url(device_id), {"date": "2025-06-16"}).json()
    assert (body["currency"], body["total_cost"]) == (None, None)
    assert "cost" not in body["hours"][0]


def test_a_price_from_tomorrow_leaves_what_past_hours_cost(api_a, meter):
    yesterday = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - 24 * H
    HourlyConsumption.objects.using(db()).create(
        device_id=meter, hour_start=yesterday, kwh=Decimal("1")
    )
    query = {"date": yesterday.date().isoformat(), "tz": "UTC"}
    before = api_a.get(url(meter), query).json()
    TariffPrice.objects.using(db()).create(
        tariff=MeterTariff.objects.using(db()).get(device_id=meter).tariff,
        effective_from=dt.datetime.now(UTC).date() + dt.timedelta(days=2),
        price_per_kwh=Decimal("9"),
        standing_charge_per_day=Decimal("9"),
    )
    after = api_a.get(url(meter), query).json()
    assert after["total_cost"] == before["total_cost"]
    assert after["total_cost"] is not None


def test_the_csv_has_a_cost_and_a_currency_column(api_a, meter):
    day = dt.datetime(2025, 6, 16, tzinfo=UTC) - 3 * H
    HourlyConsumption.objects.using(db()).create(
        device_id=meter, hour_start=day + 7 * H, kwh=Decimal("3")
    )
    text = api_a.get(
        url(meter), {"from": "2025-06-16", "to": "2025-06-16", "format": "csv"}
    ).content.decode()
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == ["start", "kwh", "estimated", "cost", "currency"]
    assert row == ["2025-06-16T00:00:00+03:00", "3.00000000", "false", "5.6000", "RON"]
