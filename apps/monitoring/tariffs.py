"""What a meter's energy costs: the price in force at each hour and the standing charge per day.

The cost of an hour is its kWh times the price per kWh in force at the hour's start, read in
the tariff's time zone (time-of-use bands by ISO weekday and local time of day; a DST day has
its 23 or 25 hours, each priced at its own local time). A day adds the standing charge of the
price in force on it. Prices and a meter's tariff change only from a day on, so a new price
never changes what an earlier hour cost (docs/monitoring.md, "Costs and tariffs").
"""

import datetime as dt
import uuid
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connections

from .models import MeterTariff, Tariff, TariffPrice

MIDNIGHT = dt.time(0)


@dataclass(frozen=True)
class _Band:
    weekdays: str
    starts_at: dt.time
    ends_at: dt.time
    price_per_kwh: Decimal

    def covers(self, local: dt.datetime) -> bool:
        if str(local.isoweekday()) not in self.weekdays:
            return False
        time = local.time()
        return self.starts_at <= time and (self.ends_at == MIDNIGHT or time < self.ends_at)


@dataclass(frozen=True)
class _Price:
    effective_from: dt.date
    price_per_kwh: Decimal
    standing_charge_per_day: Decimal
    bands: tuple[_Band, ...]

    def per_kwh(self, local: dt.datetime) -> Decimal:
        for band in self.bands:
            if band.covers(local):
                return band.price_per_kwh
        return self.price_per_kwh


@dataclass(frozen=True)
class _TariffPlan:
    zone: ZoneInfo
    prices: tuple[_Price, ...]  # by effective_from
    starts: tuple[dt.date, ...]

    def price_on(self, day: dt.date) -> _Price | None:
        index = bisect_right(self.starts, day) - 1
        return self.prices[index] if index >= 0 else None


@dataclass(frozen=True)
class MeterPricing:
    """A meter's tariffs over time, loaded once per report."""

    currency: str
    # (first instant in force, plan), by time.
    assignments: tuple[tuple[dt.datetime, _TariffPlan], ...]

    def _plan_at(self, instant: dt.datetime) -> _TariffPlan | None:
        plan = None
        for since, candidate in self.assignments:
            if since > instant:
                break
            plan = candidate
        return plan

    def price_per_kwh(self, hour_start: dt.datetime) -> Decimal | None:
        """The price of a kWh used in the hour starting at `hour_start` (None: no tariff)."""
        plan = self._plan_at(hour_start)
        if plan is None:
            return None
        local = hour_start.astimezone(plan.zone)
        price = plan.price_on(local.date())
        return None if price is None else price.per_kwh(local)

    def standing_charge(self, day_start: dt.datetime) -> Decimal | None:
        """The standing charge of the day that starts at `day_start` (None: no tariff then)."""
        plan = self._plan_at(day_start)
        if plan is None:
            return None
        price = plan.price_on(day_start.astimezone(plan.zone).date())
        return None if price is None else price.standing_charge_per_day


def meter_pricing(*, device_id: uuid.UUID) -> MeterPricing | None:
    """The meter's tariffs with their prices and bands, or None if it has never had one."""
    rows = list(
        MeterTariff.objects.using("monitoring")
        .filter(device_id=device_id)
        .select_related("tariff")
        .order_by("valid_from")
    )
    if not rows:
        return None
    plans = {tariff_id: _plan(tariff_id) for tariff_id in {row.tariff_id for row in rows}}
    assignments = []
    for row in rows:
        plan = plans[row.tariff_id]
        since = dt.datetime.combine(row.valid_from, MIDNIGHT, tzinfo=plan.zone)
        assignments.append((since.astimezone(dt.UTC), plan))
    # A meter's tariffs share one currency (MeterTariff.clean); the latest names it.
    return MeterPricing(currency=rows[-1].tariff.currency, assignments=tuple(assignments))


def _plan(tariff_id: int) -> _TariffPlan:
    tariff = Tariff.objects.using("monitoring").get(id=tariff_id)
    prices = (
        TariffPrice.objects.using("monitoring")
        .filter(tariff_id=tariff_id)
        .prefetch_related("bands")
        .order_by("effective_from")
    )
    loaded = tuple(
        _Price(
            effective_from=price.effective_from,
            price_per_kwh=price.price_per_kwh,
            standing_charge_per_day=price.standing_charge_per_day,
            bands=tuple(
                _Band(band.weekdays, band.starts_at, band.ends_at, band.price_per_kwh)
                for band in sorted(price.bands.all(), key=lambda band: band.id)
            ),
        )
        for price in prices
    )
    return _TariffPlan(
        zone=ZoneInfo(tariff.time_zone),
        prices=loaded,
        starts=tuple(price.effective_from for price in loaded),
    )


def _hours(
    device_id: uuid.UUID, readable: list[tuple[dt.datetime, dt.datetime]]
) -> list[tuple[dt.datetime, Decimal]]:
    """The stored hours inside the readable stretches (UTC), oldest first."""
    if not readable:
        return []
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            """
            SELECT h.hour_start, h.kwh
            FROM monitoring_hourly_consumption h
            JOIN unnest(%s::timestamptz[], %s::timestamptz[]) AS v(low, high)
              ON h.hour_start >= v.low AND h.hour_start + interval '1 hour' <= v.high
            WHERE h.device_id = %s AND h.hour_start >= %s AND h.hour_start < %s
            ORDER BY h.hour_start
            """,
            [
                [low for low, _ in readable],
                [high for _, high in readable],
                device_id,
                readable[0][0],
                readable[-1][1],
            ],
        )
        return cursor.fetchall()


@dataclass(frozen=True)
class Costs:
    currency: str
    # One per bucket: None where the bucket has no cost to show.
    buckets: list[Decimal | None]
    total: Decimal | None
    standing: Decimal


def report_costs(
    *,
    pricing: MeterPricing,
    device_id: uuid.UUID,
    bounds: list[tuple[dt.datetime, dt.datetime]],
    readable: list[tuple[dt.datetime, dt.datetime]],
    seen: list[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime,
    timezone: ZoneInfo,
    hourly: bool,
) -> Costs:
    """The cost of each bucket [low, high) (UTC) of a report.

    Energy: each readable stored hour's kWh times its price. Standing charge: each local day
    (in the reader's zone) that has begun and of which the reader may see some part; in each
    day or month bucket, and for an hourly report in the total only (an hour has none).
    """
    costs: list[Decimal | None] = [None] * len(bounds)
    index = 0
    for hour_start, kwh in _hours(device_id, readable):
        while bounds[index][1] <= hour_start:
            index += 1
        price = pricing.price_per_kwh(hour_start)
        if price is not None:
            costs[index] = (costs[index] or Decimal(0)) + kwh * price
    standing_total = Decimal(0)
    for index, (low, high) in enumerate(bounds):
        standing = _standing(pricing, low, high, seen, now, timezone)
        if standing is not None:
            standing_total += standing
            if not hourly:
                costs[index] = (costs[index] or Decimal(0)) + standing
    known = [cost for cost in costs if cost is not None]
    total = sum(known, Decimal(0)) if known else None
    if hourly and standing_total:
        total = (total or Decimal(0)) + standing_total
    return Costs(currency=pricing.currency, buckets=costs, total=total, standing=standing_total)


def _standing(
    pricing: MeterPricing,
    low: dt.datetime,
    high: dt.datetime,
    seen: list[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime,
    zone: ZoneInfo,
) -> Decimal | None:
    """The standing charges of the local days that begin in [low, high), have begun, and of
    which the reader may see a part."""
    total = None
    day = low.astimezone(zone).date()
    while (start := _midnight(day, zone)) < high:
        end = _midnight(day + dt.timedelta(days=1), zone)
        if low <= start <= now and any(a < end and start < b for a, b in seen):
            charge = pricing.standing_charge(start)
            if charge is not None:
                total = (total or Decimal(0)) + charge
        day += dt.timedelta(days=1)
    return total


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, MIDNIGHT, tzinfo=zone).astimezone(dt.UTC)
