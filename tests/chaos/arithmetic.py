"""The independent computation: hourly totals and alerts from readings, in plain Python.

docs/monitoring.md, "The arithmetic": for an index meter the energy between two consecutive
readings is their difference (a negative one is a reset: the new value), spread over the UTC hours
the interval overlaps in proportion to time; an hour's total is rounded to 8 decimals. The
first reading contributes nothing. Exact fractions here, so only the database may round.

Since issue 10 energy spread over a gap longer than MONITORING_GAP_INTERVALS nominal intervals is
shown but does not count towards alerts: an hour alerts on its certain energy, the pieces of
intervals no longer than the gap. The code before it has no such rule: every piece counts.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

HOUR_MS = 3_600_000
EIGHT_DECIMALS = Decimal("0.00000001")

Key = tuple[str, int]  # (device id, epoch milliseconds)


def hourly_totals(
    values: dict[Key, Decimal], *, gap_ms: int | None = None
) -> tuple[dict[Key, Decimal], dict[Key, Decimal]]:
    """{(device, hour start ms): kWh} for every hour that received energy, and the same for the
    energy certainly used in it (none spread over an interval longer than `gap_ms`)."""
    series: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for (device, timestamp), value in values.items():
        series[device].append((timestamp, value))
    totals: dict[Key, Fraction] = defaultdict(Fraction)
    certain: dict[Key, Fraction] = defaultdict(Fraction)
    for device, points in series.items():
        points.sort()
        for (start, before), (end, after) in pairwise(points):
            energy = Fraction(after - before if after >= before else after)
            in_gap = gap_ms is not None and end - start > gap_ms
            for hour, share in _hour_shares(start, end):
                totals[(device, hour)] += energy * share
                certain[(device, hour)] += 0 if in_gap else energy * share
    return (
        {key: _round(total) for key, total in totals.items()},
        {key: _round(total) for key, total in certain.items()},
    )


def _hour_shares(start: int, end: int):
    """(hour start, fraction of the interval in that hour) for each hour it overlaps."""
    hour = start // HOUR_MS * HOUR_MS
    while hour < end:
        overlap = min(end, hour + HOUR_MS) - max(start, hour)
        yield hour, Fraction(overlap, end - start)
        hour += HOUR_MS


def _round(total: Fraction) -> Decimal:
    exact = Decimal(total.numerator) / Decimal(total.denominator)
    return exact.quantize(EIGHT_DECIMALS, rounding=ROUND_HALF_UP)


def alert_hours(certain: dict[Key, Decimal], limits: dict[str, Decimal]) -> set[Key]:
    """The hours that must have an open or acknowledged alert: certain energy above the limit."""
    return {key for key, kwh in certain.items() if kwh > limits[key[0]]}
