"""The fleet overview's query with 10,000 meters: how long one page takes (docs/benchmarks.md).

Creates its own monitoring database (ems_bench_fleet, dropped at the end unless --keep), fills
it with SQL (meters, a day of readings every 10 minutes, the day's hourly rows), then times
`apps.monitoring.fleet.fleet_page` for the sorts, filters, searches and pages staff use.

    .venv/bin/python bench/fleet.py [--meters 10000] [--runs 7]
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="ems_bench_fleet")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def recreate(args, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{args.database}"')


FILL = """
INSERT INTO monitoring_device_projection
       (id, owner_id, max_hourly_kwh, meter_kind, description, version, deleted, updated_at)
SELECT md5('m' || n)::uuid,
       CASE WHEN n %% 20 = 0 THEN NULL ELSE 1 + n %% %(owners)s END,
       2.000, 'index', 'Meter ' || n, 1, false, now()
  FROM generate_series(1, %(meters)s) n;

-- A day of readings every ten minutes; one meter in 25 stopped two hours ago (silent).
INSERT INTO monitoring_reading (device_id, timestamp, value)
SELECT md5('m' || n)::uuid, t, extract(epoch FROM t - %(start)s) / 3600 * (0.5 + (n %% 7) * 0.3)
  FROM generate_series(1, %(meters)s) n,
       generate_series(%(start)s::timestamptz, %(now)s::timestamptz, interval '10 minutes') t
 WHERE n %% 25 <> 0 OR t < %(now)s::timestamptz - interval '2 hours';

INSERT INTO monitoring_hourly_consumption (device_id, hour_start, kwh, estimated)
SELECT md5('m' || n)::uuid, h, 0.5 + (n %% 7) * 0.3, false
  FROM generate_series(1, %(meters)s) n,
       generate_series(%(start)s::timestamptz, %(hour)s::timestamptz, interval '1 hour') h;
ANALYZE;
"""


def main() -> None:
    args = parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ems.settings.test",
            "MONITORING_DATABASE_URL": f"{args.postgres}/{args.database}",
            "LOG_LEVEL": "WARNING",
        }
    )
    recreate(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from apps.monitoring import fleet

    call_command("migrate", database="monitoring", verbosity=0)
    now = dt.datetime.now(dt.UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    start = hour - dt.timedelta(hours=23)
    began = time.perf_counter()
    with connections["monitoring"].cursor() as cursor:
        cursor.execute(
            FILL,
            {
                "meters": args.meters,
                "owners": args.owners,
                "start": start,
                "now": now,
                "hour": hour,
            },
        )
        cursor.execute("SELECT count(*) FROM monitoring_reading")
        readings = cursor.fetchone()[0]
    print(
        f"{args.meters} meters, {readings} readings, filled in {time.perf_counter() - began:.1f} s"
    )
    owner_names = {number: f"Client {number}" for number in range(1, args.owners + 1)}
    cases = {
        "default (worst first), page 1": {},
        "sort by client": {"sort": "owner"},
        "sort by today's kWh, descending": {"sort": "today", "descending": True},
        "sort by last reading": {"sort": "last_reading"},
        "filter: silent": {"status": "silent"},
        "search 'meter 12' (name)": {"search": "meter 12"},
        "search 'client 7' (owner)": {"search": "client 7"},
        "page 100 of 200": {"sort": "meter", "offset": 99 * 50},
    }
    print("| case | median | min | max | rows | total |\n|---|---|---|---|---|---|")

    def timed(name, max_age, options):
        times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            result = fleet.fleet_page(
                owner_names=owner_names,
                day_start=start,
                day_end=hour + dt.timedelta(hours=1),
                now=now,
                limit=50,
                max_age=max_age,
                **options,
            )
            times.append((time.perf_counter() - began) * 1000)
        print(
            f"| {name} | {statistics.median(times):.0f} ms | {min(times):.0f} ms"
            f" | {max(times):.0f} ms | {len(result.rows)} | {result.total} |"
        )
        return result

    # Cold: the fleet's figures read from PostgreSQL every time.
    timed("cold: read the whole fleet, default page", 0, {})
    # Warm: the next clicks within MONITORING_FLEET_SNAPSHOT_SECONDS.
    for name, options in cases.items():
        page = timed(f"warm: {name}", 3600, options)
    print("counts:", page.counts)
    connections.close_all()
    if not args.keep:
        recreate(args, drop_only=True)


if __name__ == "__main__":
    main()
