"""The system under test as real processes: the monitoring API, a Celery worker and beat.

A `Supervisor` restarts any of them that exits (as systemd or Docker would), so a fault only has
to kill. Every process is started here and signalled by its pid, its pool children found in /proc.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from .servers import children_of, signal_pid, spare_port, wait_for

DATABASES = {
    "USERS_DATABASE_URL": "ems_users",
    "DEVICES_DATABASE_URL": "ems_devices",
    "MONITORING_DATABASE_URL": "ems_monitoring",
    "CHAT_DATABASE_URL": "ems_chat",
}
BIN = Path(sys.executable).parent


def environment(*, app_dir: Path, postgres_url: str, redis_url: str) -> dict[str, str]:
    """Production settings pointed at the suite's own servers, secrets made for this run."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMS_TEST_")}
    env.update({name: f"{postgres_url}/{database}" for name, database in DATABASES.items()})
    env.update(
        DJANGO_SETTINGS_MODULE="ems.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CHANNEL_LAYER_REDIS_URL=redis_url,
        CACHE_REDIS_URL=redis_url,
        PYTHONPATH=str(app_dir),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    return env


class Process:
    """One long-running process of the system, its output appended to a log file."""

    def __init__(self, name: str, command: list[str], *, env: dict, cwd: Path, log: Path):
        self.name, self.command, self.env, self.cwd, self.log = name, command, env, cwd, log
        self.popen: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.popen = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def exited(self) -> bool:
        return self.popen is not None and self.popen.poll() is not None

    def tree(self) -> list[int]:
        """The process and its children (gunicorn's workers, Celery's pool)."""
        return [self.pid, *children_of(self.pid)] if self.pid else []

    def signal_tree(self, signum: int) -> list[int]:
        pids = self.tree()
        for pid in pids:
            signal_pid(pid, signum)
        return pids

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to whatever of its tree is left after 20 s."""
        if self.popen is None:
            return
        pids = self.signal_tree(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=20)
        for pid in pids:
            signal_pid(pid, signal.SIGKILL)
        self.popen.wait()
        self.popen = None


class System:
    """The API, worker and beat of one checkout, started and kept alive."""

    def __init__(self, *, app_dir: Path, env: dict, root: Path):
        self.app_dir, self.env, self.root = app_dir, env, root
        self.api_port = spare_port()
        self.api = self._process(
            "api",
            "monitoring",
            [
                str(BIN / "gunicorn"),
                "ems.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.api_port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
        )
        self.worker = self._process(
            "worker",
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "ems",
                "worker",
                "--queues",
                "readings,events",
                "--concurrency",
                "2",
                "--pool",
                "prefork",
                "--loglevel",
                "INFO",
                "--hostname",
                f"chaos-{os.getpid()}@%h",
            ],
        )
        self.beat = self._process(
            "beat",
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "ems",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(root / "celerybeat-schedule"),
            ],
        )
        self.processes = [self.api, self.worker, self.beat]
        self._supervising = False
        self._paused: set[str] = set()
        self._lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _process(self, name: str, role: str, command: list[str]) -> Process:
        env = {**self.env, "EMS_PROCESS": role}
        return Process(name, command, env=env, cwd=self.app_dir, log=self.root / f"{name}.log")

    def manage(self, *arguments: str, stdin: str | None = None) -> str:
        """A `manage.py` command of the checkout (or django_side.py with `side=`)."""
        command = [sys.executable, str(self.app_dir / "manage.py"), *arguments]
        return _run(command, env={**self.env, "EMS_PROCESS": "all"}, cwd=self.app_dir, stdin=stdin)

    def side(self, mode: str, stdin: str | None = None) -> str:
        command = [sys.executable, str(Path(__file__).with_name("django_side.py")), mode]
        return _run(command, env={**self.env, "EMS_PROCESS": "all"}, cwd=self.app_dir, stdin=stdin)

    def start(self) -> None:
        for process in self.processes:
            process.start()
        self.wait_ready()
        self._supervising = True
        threading.Thread(target=self._supervise, name="supervisor", daemon=True).start()

    def wait_ready(self) -> None:
        wait_for(self.api_ready, timeout=60, what="monitoring API")
        wait_for(self.worker_ready, timeout=60, what="celery worker")

    def api_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/readyz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def worker_ready(self) -> bool:
        """The worker's pool is up: Celery logs `ready.` once per start."""
        return self.worker.log.read_bytes().count(b" ready.") >= self.worker.starts

    def _supervise(self) -> None:
        while self._supervising:
            with self._lock:
                for process in self.processes:
                    if process.name not in self._paused and process.exited():
                        process.start()
            time.sleep(0.2)

    def stop_workers(self) -> None:
        """Between checks: no worker or beat holds anything in its memory."""
        with self._lock:
            for process in (self.worker, self.beat):
                self._paused.add(process.name)
                process.stop()

    def start_workers(self) -> None:
        with self._lock:
            for process in (self.worker, self.beat):
                process.start()
                self._paused.discard(process.name)
        wait_for(self.worker_ready, timeout=60, what="celery worker")

    def stop(self) -> None:
        self._supervising = False
        with self._lock:
            for process in self.processes:
                process.stop()


def _run(command: list[str], *, env: dict, cwd: Path, stdin: str | None) -> str:
    result = subprocess.run(
        command, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout
