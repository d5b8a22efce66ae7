"""History import benchmark (not a test): a year of 10-minute readings of one meter from a file.

    .venv/bin/python bench/import_history.py                 # 52,560 rows (a year), CSV
    .venv/bin/python bench/import_history.py --rows 1000000  # memory stays bounded

Creates its own database (ems_bench_import, dropped at the end unless --keep), writes the file
(a cumulative index, 0.3 - 0.9 kWh per hour), and runs `manage.py import_readings` in this
process: time, rows per second, peak memory (ru_maxrss), and the same import again (idempotent:
nothing stored the second time).
"""

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=52_560)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="ems_bench_import")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def database(args, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{args.database}"')


def write_file(path: Path, rows: int) -> None:
    # Ending a day ago: all of it in the past, most of it far outside the live window.
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start = now - dt.timedelta(days=1) - rows * dt.timedelta(minutes=10)
    value = 0.0
    with path.open("w") as out:
        out.write("timestamp,measurement_value\n")
        for i in range(rows):
            out.write(f"{(start + i * dt.timedelta(minutes=10)).isoformat()},{value:.6f}\n")
            value += 0.05 + 0.01 * (i % 7)  # 0.3 - 0.9 kWh per hour
    return None


def main() -> None:
    args = parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ems.settings.test",
            "MONITORING_DATABASE_URL": f"{args.postgres}/{args.database}",
            "REDIS_URL": args.redis,
            "CELERY_BROKER_URL": args.redis,
            "CHANNEL_LAYER_REDIS_URL": args.redis,
            "LOG_LEVEL": "WARNING",
        }
    )
    database(args, create=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from apps.monitoring.projection import device_projection_apply

    try:
        call_command("migrate", database="monitoring", verbosity=0)
        device = uuid.uuid4()
        device_projection_apply(
            event={
                "device_id": str(device),
                "version": 1,
                "owner_id": 1,
                "max_hourly_kwh": "1000",
                "meter_kind": "index",
            }
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "history.csv"
            write_file(path, args.rows)
            size = path.stat().st_size
            for run in ("first import", "same file again"):
                started = time.perf_counter()
                call_command("import_readings", str(path), "--device", str(device))
                elapsed = time.perf_counter() - started
                print(
                    f"{run}: {args.rows} rows ({size / 1e6:.1f} MB) in {elapsed:.2f} s, "
                    f"{args.rows / elapsed:,.0f} rows/s"
                )
        with connections["monitoring"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM monitoring_reading")
            readings = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM monitoring_hourly_consumption")
            hours = cursor.fetchone()[0]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"stored {readings} readings, {hours} hourly rows; peak memory {peak:.0f} MB")
        connections.close_all()
    finally:
        if not args.keep:
            database(args, create=False)


if __name__ == "__main__":
    main()
