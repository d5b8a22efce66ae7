"""End-to-end ingestion benchmark (not a test): inbox -> real workers -> hourly table -> alerts.

    .venv/bin/python bench/ingest.py    # 300,000 readings, 100 meters, batches of 5000
    .venv/bin/python bench/ingest.py --batch-size 1000 --rate 10000    # latency, no backlog

Creates its own database (ems_bench_monitoring, dropped at the end unless --keep) and uses its
own Redis database (--redis, default db 14), so it touches nobody's data. It hands the readings
to monitoring's inbox as the simulator does (`readings_enqueue`: committed, then a wake-up on
the `readings` queue), runs `celery -A ems worker` processes, and
reports readings/s from the first publish until every reading is stored with its hourly totals,
the median and p99 time from publishing a batch to the alert it raises, and, in the same run,
the physical baseline: binary COPY of the same rows into a table keyed (device_id, timestamp).
"""

import argparse
import datetime as dt
import itertools
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


STEP = dt.timedelta(minutes=10)
NORMAL_STEP_KWH = Decimal("0.1")  # 0.6 kWh per hour
SPIKE_STEP_KWH = Decimal("0.3")  # 1.8 kWh per hour
MAX_HOURLY_KWH = Decimal("1.0")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=300_000)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--group",
        type=int,
        default=0,
        help="meters per batch (a gateway's meters; batches of different groups interleave); "
        "0: every meter in every batch",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=1, help="pool size per worker")
    parser.add_argument("--pool", default="solo", choices=["prefork", "solo"])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="ems_bench_monitoring")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="publish at this many readings/s (0: as fast as possible, which measures "
        "throughput; a rate below it measures latency without a backlog)",
    )
    return parser.parse_args()


def configure(args) -> dict:
    """Point this process and the workers at the bench database and Redis, with production
    settings (bench/common.py)."""
    from bench.common import environment

    return environment(
        args.database,
        process="all",
        BENCH_POSTGRES=args.postgres,
        REDIS_URL=args.redis,
        CELERY_BROKER_URL=args.redis,
        CHANNEL_LAYER_REDIS_URL=args.redis,
    )


def recreate_database(args) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{args.database}"')


def drop_database(args) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def generate(args, device_ids):
    """The readings and, for each spike device-hour, the batch whose reading makes the hour's
    in-order total exceed the limit (the alert's cause).

    Every meter reports each step. With --group G, a batch holds the consecutive steps of G
    meters (as a gateway would send them) and the groups' batches are published round-robin;
    otherwise a batch holds every meter's readings of consecutive steps.
    """
    steps = args.readings // len(device_ids)
    start = dt.datetime.now(dt.UTC) - STEP * steps - dt.timedelta(hours=2)
    start = start.replace(minute=0, second=0, microsecond=0)
    group = args.group or len(device_ids)
    groups = [device_ids[i : i + group] for i in range(0, len(device_ids), group)]
    per_group = []
    for members in groups:
        readings = []
        for k in range(steps):
            at = int((start + k * STEP).timestamp() * 1000)
            for device in members:
                readings.append((device, k, at))
        per_group.append(
            [readings[i : i + args.batch_size] for i in range(0, len(readings), args.batch_size)]
        )
    ordered = [
        batch
        for round_ in itertools.zip_longest(*per_group)
        for batch in round_
        if batch is not None
    ]
    numbers = {device: n for n, device in enumerate(device_ids)}
    indexes = {device: Decimal(1000 + n) for n, device in enumerate(device_ids)}
    hour_totals: dict = {}
    batches, causes = [], {}
    for batch_number, batch in enumerate(ordered):
        out = []
        for device, k, at in batch:
            hour_number = (k - 1) // 6  # the interval ending at step k belongs to this hour
            if k > 0:
                spike = (hour_number + numbers[device]) % 24 == 0
                increment = SPIKE_STEP_KWH if spike else NORMAL_STEP_KWH
                indexes[device] += increment
                key = (device, hour_number)
                before = hour_totals.get(key, Decimal(0))
                hour_totals[key] = before + increment
                if before <= MAX_HOURLY_KWH < hour_totals[key]:
                    causes[key] = batch_number
            out.append(
                {
                    "device_id": str(device),
                    "timestamp": at,
                    "measurement_value": float(indexes[device]),
                }
            )
        batches.append(out)
    return batches, causes, sum(hour_totals.values()), start


def start_workers(args, environment) -> list[subprocess.Popen]:
    celery = Path(sys.executable).with_name("celery")
    return [
        subprocess.Popen(  # noqa: S603 - our own worker command
            [
                str(celery),
                "-A",
                "ems",
                "worker",
                "--queues",
                "readings",
                "--concurrency",
                str(args.concurrency),
                "--pool",
                args.pool,
                "--loglevel",
                "WARNING",
                "--hostname",
                f"bench{n}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=environment,
            start_new_session=True,
        )
        for n in range(args.workers)
    ]


def stop_workers(workers) -> None:
    for worker in workers:
        os.kill(worker.pid, signal.SIGTERM)  # the master's warm shutdown stops its pool
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def wait_for(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def scalar(sql: str, params=()):
    from django.db import connections

    with connections["monitoring"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def copy_baseline(batches, runs: int = 2) -> list[float]:
    """Seconds to COPY the same rows, binary, into a table keyed (device_id, timestamp): the
    physical floor of storing them (no validation, no aggregation, no alerts). `runs` COPYs
    into a new table each; main() takes the median of those before and after ingesting (one
    COPY of a second moved by half from one minute to the next on a shared machine)."""
    from django.db import connections

    rows = [
        (
            uuid.UUID(r["device_id"]),
            dt.datetime.fromtimestamp(r["timestamp"] / 1000, tz=dt.UTC),
            Decimal(str(r["measurement_value"])),
        )
        for batch in batches
        for r in batch
    ]
    connection = connections["monitoring"]
    seconds = []
    for _ in range(runs):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_keyed_reading")
            cursor.execute(
                "CREATE TABLE bench_keyed_reading (device_id uuid NOT NULL,"
                " timestamp timestamptz NOT NULL, value numeric(20, 8) NOT NULL,"
                " PRIMARY KEY (device_id, timestamp))"
            )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                "COPY bench_keyed_reading (device_id, timestamp, value) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["uuid", "timestamptz", "numeric"])
                for row in rows:
                    copy.write_row(row)
        connection.commit() if not connection.get_autocommit() else None
        seconds.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_keyed_reading")
    connection.commit() if not connection.get_autocommit() else None
    return seconds


def main() -> None:
    from bench.common import cpu_busy_seconds, stop_on_sigterm

    args = parse_args()
    stop_on_sigterm()
    environment = configure(args)
    recreate_database(args)
    import django

    django.setup()
    from django.core.management import call_command

    from apps.monitoring.projection import device_projection_apply
    from apps.monitoring.services import readings_enqueue
    from ems.celery import app

    call_command("migrate", database="monitoring", verbosity=0)
    from apps.monitoring.partitions import reading_partitions_ensure

    device_ids = [uuid.uuid4() for _ in range(args.devices)]
    for device in [*device_ids, warmup := uuid.uuid4()]:
        device_projection_apply(
            event={
                "device_id": str(device),
                "version": 1,
                "owner_id": 1,
                "max_hourly_kwh": str(MAX_HOURLY_KWH),
                "meter_kind": "index",
            }
        )
    batches, causes, expected_total, start = generate(args, device_ids)
    total = sum(map(len, batches))
    # The months the readings fall in, as beat's retention task keeps them ready.
    reading_partitions_ensure(start=start, end=dt.datetime.now(dt.UTC))
    print(
        f"{total} readings for {args.devices} devices in {len(batches)} batches of "
        f"{args.batch_size}; {args.workers} worker(s) x {args.concurrency} processes"
    )

    copy_runs = copy_baseline(batches)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("readings")
    workers = start_workers(args, environment)
    try:
        readings_enqueue(
            readings=[
                {"device_id": str(warmup), "timestamp": start.isoformat(), "measurement_value": 0}
            ]
        )
        if not wait_for(lambda: scalar("SELECT count(*) FROM monitoring_reading") == 1, 120):
            sys.exit("the workers did not start")

        published_at = []
        busy_before = cpu_busy_seconds()
        began = time.time()
        for number, batch in enumerate(batches):
            if args.rate:
                time.sleep(max(0.0, began + number * args.batch_size / args.rate - time.time()))
            published_at.append(time.time())
            readings_enqueue(readings=batch)
        publish_seconds = time.time() - began
        # Done when the inbox is empty: a batch leaves it in the transaction that stores its
        # readings and totals. (Counting the readings ten times a second cost a fifth of a core
        # at 600,000 readings: the benchmark measured its own polling.) Checked once after.
        done = wait_for(
            lambda: scalar("SELECT NOT EXISTS (SELECT 1 FROM monitoring_inbox)"),
            args.timeout,
            step=0.1,
        )
        elapsed = time.time() - began
        busy = cpu_busy_seconds() - busy_before
        if not done:
            sys.exit(f"incomplete after {args.timeout}s")
        stored = scalar("SELECT count(*) FROM monitoring_reading")
        if stored != total + 1:
            sys.exit(f"the inbox is empty but {stored - 1} of {total} readings are stored")
    finally:
        stop_workers(workers)

    stored_total = scalar("SELECT sum(kwh) FROM monitoring_hourly_consumption")
    from apps.monitoring.models import Alert

    latencies = []
    alerts = {(a.device_id, a.hour_start): a.created_at for a in Alert.objects.using("monitoring")}
    for (device, hour_number), batch_number in causes.items():
        hour = start + dt.timedelta(hours=hour_number)
        created = alerts.get((device, hour))
        if created is not None:
            latencies.append(created.timestamp() - published_at[batch_number])
    copy_runs += copy_baseline(batches)
    copy_seconds = statistics.median(copy_runs)

    rate = total / elapsed
    copy_rate = total / copy_seconds
    print(f"publish: {publish_seconds:.2f} s ({total / publish_seconds:,.0f} readings/s)")
    print(
        f"end to end: {elapsed:.2f} s, {rate:,.0f} readings/s "
        f"(hourly total {stored_total} kWh, expected {expected_total})"
    )
    print(
        f"alerts: {len(alerts)} raised, {len(causes)} expected; publish -> alert latency "
        f"median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {statistics.quantiles(latencies, n=100)[98] * 1000:.0f} ms"
    )
    print(
        f"machine CPU while ingesting: {busy / total * 1e6:.1f} us per reading "
        f"({busy / elapsed:.2f} of {os.cpu_count()} cores busy; every process, the database's too)"
    )
    print(
        f"baseline binary COPY, keyed: {copy_seconds:.2f} s, {copy_rate:,.0f} readings/s (median"
        f" of {', '.join(f'{seconds:.2f}' for seconds in copy_runs)} s, two before, two after)"
    )
    print(f"ratio end-to-end / COPY: {rate / copy_rate:.2%}")
    from bench.common import report

    if args.rate:
        report(
            f"ingestion: publish -> alert p99 at {args.rate:,.0f} readings/s offered "
            f"(median {statistics.median(latencies) * 1000:.0f} ms)",
            statistics.quantiles(latencies, n=100)[98] * 1000,
            None,
            "ms",
            goal="< 300 ms",
        )
    else:
        report(
            "ingestion: end to end vs binary COPY keyed (device_id, timestamp)",
            rate,
            copy_rate,
            "readings/s",
            goal="ratio >= 0.12",
        )
    if stored_total != expected_total or len(alerts) != len(causes):
        sys.exit("wrong result: hourly total or alerts differ from what was generated")
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(args)


if __name__ == "__main__":
    main()
