"""Retention benchmark (not a test): a month of raw readings of 1,000 meters, dropped.

    .venv/bin/python bench/retention.py [--meters 1000]

Creates its own database (ems_bench_retention, dropped at the end), fills one past month's
partition with a reading every 10 minutes per meter (4.5 million rows for 1,000 meters), and
times `readings_delete_old` (the beat task's service) dropping it, with production settings.
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import drop_database, environment, recreate_database, report

DATABASE = "ems_bench_retention"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=1000)
    args = parser.parse_args()
    environment(DATABASE, process="monitoring")
    recreate_database(DATABASE)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from apps.monitoring.partitions import reading_partitions_ensure
        from apps.monitoring.services import readings_delete_old

        call_command("migrate", database="monitoring", verbosity=0)
        month = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        reading_partitions_ensure(start=month, end=month + dt.timedelta(days=1))
        started = time.perf_counter()
        with connections["monitoring"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO monitoring_reading (device_id, timestamp, value)"
                " SELECT d.id, g, extract(epoch FROM g - %s) / 6000"
                " FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, %s)) d"
                " CROSS JOIN generate_series(%s, %s - interval '10 minutes',"
                " interval '10 minutes') g",
                [month, args.meters, month, dt.datetime(2020, 2, 1, tzinfo=dt.UTC)],
            )
            rows = cursor.rowcount
        print(
            f"{rows:,} readings of {args.meters} meters in January 2020 written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        result = readings_delete_old(now=dt.datetime(2020, 6, 1, tzinfo=dt.UTC))
        seconds = time.perf_counter() - started
        if "monitoring_reading_p202001" not in result.partitions_dropped:
            sys.exit(f"the month was not dropped: {result}")
        report(
            f"retention: a month of raw readings of {args.meters} meters ({rows:,} rows) dropped",
            seconds,
            None,
            "s",
            goal="< 1 s",
        )
        connections.close_all()
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
