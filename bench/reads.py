"""Read benchmarks (not a test): consumption SQL cost against history, the day view on gunicorn.

    .venv/bin/python bench/reads.py [--skip-http]

Creates its own database (ems_bench_reads, dropped at the end) with hourly consumption for a
meter with one month of history, one with three years, and filler meters with three years. The
same requests (a day's hours, a year by month) are timed for both meters as their owner, SQL only
(the statements' time in the driver, median of many); then the day view is served by gunicorn
(ems.settings.production, the monitoring API's role) and its requests/s compared with a DRF view
with the same JWT authentication and no query, with the same client in the same run.
"""

import argparse
import asyncio
import datetime as dt
import functools
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ROOT,
    drop_database,
    environment,
    recreate_database,
    report,
    stop_on_sigterm,
)

DATABASE = "ems_bench_reads"
OWNER = 7
FILLERS = 30
ROUNDS = 8


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--http-seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--port", type=int, default=18731)
    return parser.parse_args()


def seed(today: dt.datetime) -> tuple[uuid.UUID, uuid.UUID]:
    from django.db import connections

    from apps.monitoring.projection import device_projection_apply

    short, long = uuid.uuid4(), uuid.uuid4()
    fillers = [uuid.uuid4() for _ in range(FILLERS)]
    for device in [short, long, *fillers]:
        device_projection_apply(
            event={
                "device_id": str(device),
                "version": 1,
                "owner_id": OWNER,
                "max_hourly_kwh": "5",
                "meter_kind": "index",
            }
        )
    histories = [(short, 31)] + [(device, 3 * 365) for device in [long, *fillers]]
    with connections["monitoring"].cursor() as cursor:
        for device, days in histories:
            cursor.execute(
                "INSERT INTO monitoring_hourly_consumption (device_id, hour_start, kwh, estimated)"
                " SELECT %s, g, 0.5 + random(), false FROM generate_series("
                "%s::timestamptz - %s * interval '1 day', %s::timestamptz - interval '1 hour',"
                " interval '1 hour') g",
                [device, today, days, today],
            )
        cursor.execute("ANALYZE")
    return short, long


class Owner:
    """The owner as the stateless JWT authentication gives it to a view (a client)."""

    id = OWNER
    is_admin = False
    timezone = "Europe/Paris"


def sql_seconds(calls, repeat: int) -> list[float]:
    """Median seconds spent in the database driver's execute for each call; the calls alternate,
    so the noise of the shared machine falls on all of them alike."""
    from django.db import connections

    spent = [0.0]

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    samples: list[list[float]] = [[] for _ in calls]
    with connections["monitoring"].execute_wrapper(timer):
        for _ in range(repeat):
            for index, call in enumerate(calls):
                spent[0] = 0.0
                call()
                samples[index].append(spent[0])
    return [statistics.median(values) for values in samples]


def measure_sql(short, long, today, repeat: int) -> None:
    """The same requests for a meter with a month of history and one with three years."""
    from zoneinfo import ZoneInfo

    from apps.monitoring.selectors import consumption_report

    zone = ZoneInfo(Owner.timezone)
    local_today = today.astimezone(zone).date()

    def midnight(day):
        return dt.datetime.combine(day, dt.time(), tzinfo=zone)

    day = local_today - dt.timedelta(days=2)
    month_start = (local_today - dt.timedelta(days=28)).replace(day=1)
    this_month = local_today.replace(day=1)
    requests = {
        # Both meters have every hour of these: the cost must not depend on older history.
        "day (24 hours)": (midnight(day), midnight(day + dt.timedelta(1)), "hour"),
        "month by day": (
            midnight(local_today - dt.timedelta(days=28)),
            midnight(local_today),
            "day",
        ),
        # The three-year meter has twelve times the hours of this range that the other has.
        "year by month": (
            midnight(month_start.replace(year=month_start.year - 1)),
            midnight(this_month),
            "month",
        ),
    }
    for name, (start, end, bucket) in requests.items():
        request = {"user": Owner, "timezone": zone, "start": start, "end": end, "bucket": bucket}
        calls = [
            functools.partial(consumption_report, device_id=device, **request)
            for device in (short, long)
        ]
        for call in calls:
            call()  # warm the caches and the pool
        short_seconds, long_seconds = sql_seconds(calls, repeat)
        report(
            f"reads: {name} SQL, 3 years of history vs 1 month",
            long_seconds * 1000,
            short_seconds * 1000,
            "ms",
            goal="ratio <= 1.5",
        )


async def _load(
    port: int, path: str, token: str, seconds: float, connections: int
) -> tuple[int, int]:
    """Requests answered 200 in `seconds` by `connections` clients, one request per connection
    (gunicorn's sync workers close each connection)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    deadline = time.monotonic() + seconds
    ok = failed = 0

    async def client():
        nonlocal ok, failed
        while time.monotonic() < deadline:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            answer = await reader.read()
            writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                ok += 1
            else:
                failed += 1
                if failed == 1:
                    print(answer[:300], file=sys.stderr)

    await asyncio.gather(*(client() for _ in range(connections)))
    return ok, failed


def measure_http(short, long, today, args, env) -> None:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = str(OWNER)
    token["role"] = "client"
    token["name"] = "bench"
    token["timezone"] = Owner.timezone
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own server command
        [
            str(gunicorn),
            "ems.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "EMS_PROCESS": "monitoring"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ok, _ = asyncio.run(_load(args.port, "/healthz", str(token), 0.2, 1))
                if ok:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
        day = (today - dt.timedelta(days=2)).date().isoformat()
        paths = {
            "no-query": "/bench/no-query/",
            "day, 1 month": f"/api/devices/{short}/consumption/?date={day}",
            "day, 3 years": f"/api/devices/{long}/consumption/?date={day}",
        }
        for path in paths.values():
            asyncio.run(_load(args.port, path, str(token), 1.0, args.connections))  # warm up
        # The three requests take turns in short rounds, so a change of the shared machine's
        # load falls on all of them alike (one long window each made the last one look slower).
        answered = dict.fromkeys(paths, 0)
        for _ in range(ROUNDS):
            for name, path in paths.items():
                ok, failed = asyncio.run(
                    _load(args.port, path, str(token), args.http_seconds / ROUNDS, args.connections)
                )
                if failed:
                    sys.exit(f"{name}: {failed} failed requests")
                answered[name] += ok
        rates = {name: ok / args.http_seconds for name, ok in answered.items()}
        for name in ("day, 1 month", "day, 3 years"):
            report(
                f"reads: day view on gunicorn ({name}) vs DRF+JWT no-query view",
                rates[name],
                rates["no-query"],
                "req/s",
                goal="ratio >= 0.35",
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    args = parse_args()
    stop_on_sigterm()
    env = environment(DATABASE, process="monitoring")
    recreate_database(DATABASE)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", database="monitoring", verbosity=0)
        today = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        short, long = seed(today)
        measure_sql(short, long, today, args.repeat)
        if not args.skip_http:
            measure_http(short, long, today, args, env)
        connections.close_all()
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
