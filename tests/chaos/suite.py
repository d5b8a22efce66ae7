"""The checks: each a fresh stream of readings with one kind of fault injected mid-stream,
then convergence and the comparison. The servers and processes are set up once per run."""

import json
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg
import redis

from . import faults
from .fleet import Meter, batches_make, meters_make
from .processes import System, environment
from .servers import Postgres, Redis, ensure_os_user, give_to_os_user
from .verify import Figures, compare, converge, stored_state
from .workload import stream

CONVERGE_TIMEOUT = 90.0
DATA_TABLES = (
    "monitoring_reading",
    "monitoring_hourly_consumption",
    "monitoring_alert",
    "monitoring_quarantined_reading",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: Callable | None
    count: int
    seconds: float  # how long the stream is spread over

    def offsets(self) -> list[float]:
        """When to inject: spread over the stream, none in its last tenth."""
        return [self.seconds * 0.9 * (2 * i + 1) / (2 * self.count) for i in range(self.count)]


# The baseline without faults: `--only no-fault` (left out of the full suite to stay under 20 min).
BASELINE = Scenario("no-fault", None, 0, 45)
FULL = [
    Scenario("worker-kill", faults.worker_kill, 2, 60),
    Scenario("pool-child-kill", faults.pool_child_kill, 2, 60),
    Scenario("worker-stop-kill", faults.worker_stop_kill, 2, 60),
    Scenario("redis-kill", faults.redis_kill, 2, 60),
    Scenario("postgres-stop-5s", faults.postgres_stop(5), 2, 60),
    Scenario("postgres-stop-60s", faults.postgres_stop(60), 2, 170),
    Scenario("api-kill", faults.api_kill, 2, 60),
]
QUICK = [
    Scenario("worker-kill", faults.worker_kill, 1, 35),
    Scenario("postgres-stop-5s", faults.postgres_stop(5), 1, 35),
]


@dataclass
class CheckResult:
    name: str
    faults: list[str]
    figures: Figures
    statuses: dict
    harness_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        # A fault check whose fault never happened proves nothing.
        injected = bool(self.faults) or self.name == "no-fault"
        return injected and self.figures.clean and not self.harness_errors

    def line(self) -> str:
        f = self.figures
        converged = (
            f"{f.converge_seconds:.1f} s"
            if f.converge_seconds is not None
            else f"never ({f.in_flight})"
        )
        statuses = ", ".join(f"{key} {value}" for key, value in sorted(self.statuses.items()))
        return (
            f"{'PASS' if self.passed else 'FAIL'} {self.name}: faults {len(self.faults)},"
            f" acknowledged {f.acknowledged}, lost {f.lost}, doubled {f.doubled},"
            f" unacknowledged-stored {f.unacknowledged_stored}, unexplained {f.unexplained},"
            f" wrong hours {f.wrong_hours}, wrong days {f.wrong_days},"
            f" false alerts {f.false_alerts},"
            f" missing alerts {f.missing_alerts}, withdrawn {f.withdrawn_alerts},"
            f" quarantined {f.quarantined}, converged in {converged};"
            f" {self.seconds:.0f} s [{statuses}]"
        )


class Run:
    """One run of the suite against the checkout in `app_dir`."""

    def __init__(self, *, app_dir: Path, steps: int, seed: int, logs: Path):
        self.app_dir, self.steps, self.logs = app_dir, steps, logs
        self.rng = random.Random(seed)
        self.root = Path(tempfile.mkdtemp(prefix="ems-chaos-"))
        self.postgres = Postgres(self.root)
        self.redis = Redis(self.root)
        self.system: System | None = None
        self.meters: list[Meter] = []
        self.admin_token = ""
        self.gap_ms: int | None = None

    @property
    def monitoring_url(self) -> str:
        return f"{self.postgres.url}/ems_monitoring"

    def set_up(self) -> None:
        ensure_os_user()
        give_to_os_user(self.root)
        self.postgres.create()
        self.postgres.start()
        self.redis.start()
        env = environment(
            app_dir=self.app_dir, postgres_url=self.postgres.url, redis_url=self.redis.url
        )
        self.system = System(app_dir=self.app_dir, env=env, root=self.root)
        self.system.manage("setup_databases")
        self.meters = meters_make(20, self.rng)
        self.system.side(
            "meters",
            json.dumps(
                [
                    {
                        "id": m.id,
                        "token_hash": m.token_hash,
                        "max_hourly_kwh": str(m.max_hourly_kwh),
                        "description": f"chaos meter {i}",
                    }
                    for i, m in enumerate(self.meters)
                ]
            ),
        )
        self.admin_token = self.system.side("token").strip()
        gap_seconds = json.loads(self.system.side("gap"))
        self.gap_ms = gap_seconds * 1000 if gap_seconds else None
        self.system.start()

    def tear_down(self) -> None:
        try:
            if self.system is not None:
                self.system.stop()
        finally:
            self.redis.kill()
            self.postgres.stop("fast")
            self.logs.mkdir(parents=True, exist_ok=True)
            for log in self.root.glob("*.log"):
                shutil.copy(log, self.logs / log.name)
            shutil.rmtree(self.root, ignore_errors=True)

    def check(self, scenario: Scenario) -> CheckResult:
        started = time.monotonic()
        self._reset()
        batches = batches_make(self.meters, self.steps, self.rng)
        sent = {
            (r["device_id"], r["timestamp"]): Decimal(str(r["measurement_value"]))
            for batch in batches
            for r in batch.readings
        }
        injected: list[str] = []
        injector = threading.Thread(target=self._inject, args=(scenario, injected), daemon=True)
        injector.start()
        outcome = stream(
            system=self.system,
            admin_token=self.admin_token,
            batches=batches,
            seconds=scenario.seconds,
        )
        injector.join()
        converged, in_flight = converge(
            self.monitoring_url, self.redis.url, timeout=CONVERGE_TIMEOUT
        )
        figures = compare(
            sent=sent,
            limits={meter.id: meter.max_hourly_kwh for meter in self.meters},
            gap_ms=self.gap_ms,
            outcome=outcome,
            stored=stored_state(self.monitoring_url),
        )
        figures.converge_seconds, figures.in_flight = converged, in_flight
        return CheckResult(
            scenario.name,
            injected,
            figures,
            dict(outcome.statuses),
            outcome.harness_errors[:5],
            time.monotonic() - started,
        )

    def _inject(self, scenario: Scenario, injected: list[str]) -> None:
        started = time.monotonic()
        servers = faults.Servers(self.system, self.postgres, self.redis)
        for offset in scenario.offsets():
            time.sleep(max(0.0, started + offset - time.monotonic()))
            injected.append(scenario.fault(servers))
            self.system.wait_ready()

    def _reset(self) -> None:
        """A clean slate: no worker, empty broker, no readings, totals, alerts or inbox."""
        self.system.stop_workers()
        redis.Redis.from_url(self.redis.url).flushall()
        with psycopg.connect(self.monitoring_url, autocommit=True) as connection:
            tables = [
                t
                for t in (*DATA_TABLES, "monitoring_inbox")
                if connection.execute("SELECT to_regclass(%s)", [t]).fetchone()[0]
            ]
            connection.execute(f"TRUNCATE {', '.join(tables)}")
        self.system.start_workers()


def run(
    *,
    app_dir: Path,
    scenarios: list[Scenario],
    steps: int,
    seed: int,
    logs: Path,
    report: Callable[[str], None],
) -> list[CheckResult]:
    chaos = Run(app_dir=app_dir, steps=steps, seed=seed, logs=logs)
    results: list[CheckResult] = []
    try:
        chaos.set_up()
        for scenario in scenarios:
            result = chaos.check(scenario)
            results.append(result)
            report(result.line())
            for detail in [*result.faults, *result.figures.examples, *result.harness_errors]:
                report(f"    {detail}")
    finally:
        chaos.tear_down()
        (logs / "results.json").write_text(
            json.dumps([{**asdict(r), "passed": r.passed} for r in results], indent=2, default=str)
        )
    return results
