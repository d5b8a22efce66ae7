"""What every benchmark shares: its own databases and Redis database, production settings, the
load average next to each figure, and one result line per measure for bench/run.py."""

import json
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Redis database 14 is the benchmarks' (bench/ingest.py alone used 15 before): never a demo's
# or a test run's.
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
RESULT_PREFIX = "BENCH-RESULT "


def environment(database: str, *, process: str = "all", **extra) -> dict:
    """The environment of a benchmark process and of the servers it starts: production settings
    (its connection pool as ems/settings/base.py configures it), this benchmark's own database
    for monitoring and the benchmarks' Redis database. The other aliases point at databases of
    the same name prefix that the benchmarks never create, so nobody's data can be opened."""
    values = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "JWT_SIGNING_KEY": "bench-jwt-signing-key-not-for-production-0123456789",
        "EMS_PROCESS": process,
        "MONITORING_DATABASE_URL": f"{POSTGRES}/{database}",
        "USERS_DATABASE_URL": f"{POSTGRES}/{database}_users",
        "DEVICES_DATABASE_URL": f"{POSTGRES}/{database}_devices",
        "CHAT_DATABASE_URL": f"{POSTGRES}/{database}_chat",
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": REDIS,
        "CHANNEL_LAYER_REDIS_URL": REDIS,
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    os.environ.update(values)
    sys.path.insert(0, str(ROOT))
    return {**os.environ, **values}


def stop_on_sigterm() -> None:
    """SIGTERM (`timeout`, a CI runner) ends a benchmark like Ctrl-C: its `finally` still stops
    the servers and workers it started and drops its databases."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot, every core together (Linux
    /proc/stat: all but idle and I/O wait). Differences of it count every process of a run,
    the database's and Redis's included, and other people's work on a shared machine too."""
    with open("/proc/stat") as stat:
        fields = [int(field) for field in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def load() -> float:
    """The one-minute load average: the machine is shared, each figure is read next to it."""
    return os.getloadavg()[0]


def report(
    measure: str,
    value: float,
    baseline: float | None,
    unit: str,
    *,
    goal: str = "",
    ratio: float | None = None,
    baseline_unit: str | None = None,
) -> None:
    """Print a human line and a machine line (collected by bench/run.py)."""
    if ratio is None and baseline:
        ratio = value / baseline
    line = {
        "measure": measure,
        "value": value,
        "baseline": baseline,
        "unit": unit,
        "baseline_unit": baseline_unit or unit,
        "ratio": ratio,
        "goal": goal,
        "load": load(),
    }
    print(RESULT_PREFIX + json.dumps(line), flush=True)
