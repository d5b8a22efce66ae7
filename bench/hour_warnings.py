"""How early does a warning come, and how often is it not realised? (docs/monitoring.md,
"Warnings"). Replays the simulator's own sources, without a database: for every hour of many
meters, the readings of each interval, the projection
(`apps.monitoring.hour_warnings.projected_total`) after each reading, and the rule of
`warnings_raise` (enough of the hour observed, the energy so far at or under the limit, the
projection over it). A warning is realised when the hour's
total is over the limit. The beat check runs every MONITORING_ALERT_CHECK_SECONDS: a warning
comes up to that much later than the reading that makes it (counted in the worst case).

    python bench/hour_warnings.py [--meters 200] [--days 30] [--interval-minutes 10]
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ems.settings.test")

from simulator.sources import CsvReplay, LoadProfile, csv_offset, read_index_csv


def projected(so_far: float, observed: float) -> float:
    # The same arithmetic as apps.monitoring.hour_warnings.projected_total, in floats.
    return so_far * 3600 / observed


def replay(source, limit, hours, interval, thresholds, check_seconds):
    """Per threshold: (lead minutes of realised warnings, warnings, not realised, over hours)."""
    found = {t: ([], 0, 0, 0) for t in thresholds}
    steps = int(3600 / interval.total_seconds())
    for hour in hours:
        energies = [
            source.energy(hour + k * interval, hour + (k + 1) * interval) for k in range(steps)
        ]
        total = sum(energies)
        over = total > limit
        for threshold in thresholds:
            leads, warned, missed, overs = found[threshold]
            overs += over
            so_far = 0.0
            for k, energy in enumerate(energies, start=1):
                so_far += energy
                observed = k * interval.total_seconds()
                if so_far > limit:
                    break  # an over-the-limit alert, no warning
                if observed >= threshold and projected(so_far, observed) > limit:
                    warned += 1
                    lead = (3600 - observed - check_seconds) / 60
                    if over:
                        leads.append(lead)
                    else:
                        missed += 1
                    break
            found[threshold] = (leads, warned, missed, overs)
    return found


def report(name, found):
    print(f"\n{name}")
    print("threshold  warnings  not realised  over-limit hours warned  minutes early (median, min)")
    for threshold, (leads, warned, missed, overs) in found.items():
        share = f"{missed / warned:.1%}" if warned else "-"
        caught = f"{len(leads)}/{overs}"
        early = f"{statistics.median(leads):.1f}, {min(leads):.1f}" if leads else "-"
        print(f"{threshold // 60:>6} min  {warned:>8}  {share:>12}  {caught:>23}  {early}")


def merge(merged: dict, found: dict) -> dict:
    if not merged:
        return found
    return {
        t: (
            merged[t][0] + found[t][0],
            *(a + b for a, b in zip(merged[t][1:], found[t][1:], strict=True)),
        )
        for t in found
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--interval-minutes", type=int, default=10)
    parser.add_argument("--check-seconds", type=int, default=60)
    arguments = parser.parse_args()
    interval = dt.timedelta(minutes=arguments.interval_minutes)
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    hours = [start + dt.timedelta(hours=h) for h in range(24 * arguments.days)]
    thresholds = [600, 900, 1200, 1800]
    merged = {}
    for number in range(arguments.meters):
        device = uuid.UUID(int=number + 1)
        found = replay(
            LoadProfile(device_id=device, max_hourly_kwh=10.0),
            10.0,
            hours,
            interval,
            thresholds,
            arguments.check_seconds,
        )
        merged = merge(merged, found)
    report(
        f"LoadProfile spikes, {arguments.meters} meters x {arguments.days} days,"
        f" readings every {interval}",
        merged,
    )
    values = read_index_csv(Path(__file__).resolve().parents[1] / "simulator/data/sensor.csv")
    merged = {}
    for number in range(20):
        device = uuid.UUID(int=number + 1)
        offset = csv_offset(device, len(values) - 1)
        source = CsvReplay(values=values, offset=offset, step=dt.timedelta(minutes=10))
        found = replay(source, 120.0, hours, interval, thresholds, arguments.check_seconds)
        merged = merge(merged, found)
    report(
        f"sensor.csv replay against 120 kWh (the demo workshop), 20 offsets x {arguments.days}"
        f" days, readings every {interval}",
        merged,
    )


if __name__ == "__main__":
    main()
