"""The suite's own PostgreSQL cluster and Redis server, on spare ports, run as a non-root user.

Never the shared ones (5432, 6379): everything lives in a temporary folder that is removed at
the end, and only the processes started here are ever signalled, by their pid.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

OS_USER = "ems-chaos"


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_os_user() -> None:
    """PostgreSQL refuses to run as root: a system user of its own, created once."""
    if os.geteuid() != 0:
        return  # not root: the servers run as whoever runs the suite
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER],
            check=True,
        )


def give_to_os_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(OS_USER)
    os.chown(path, user.pw_uid, user.pw_gid)


def _as_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", OS_USER, "--", *command] if os.geteuid() == 0 else command


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"Debian's postgresql is not installed (no {name})")
    return found[-1]


def wait_for(condition, *, timeout: float, what: str, step: float = 0.2) -> float:
    """Poll until `condition()` is true; the seconds it took. Raises after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(step)
    return time.monotonic() - started


class Postgres:
    """A throwaway cluster: trust authentication for `postgres` on 127.0.0.1 only."""

    def __init__(self, root: Path):
        self.port = spare_port()
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def create(self) -> None:
        subprocess.run(
            _as_user(
                [
                    _postgres_bin("initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.data}'",
            "max_connections": "100",
            # The faults are process crashes, not power cuts: the page cache survives them, so
            # flushing it to disk would only slow a machine shared with other work.
            "fsync": "off",
        }
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        subprocess.run(
            _as_user(
                [
                    _postgres_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_user([_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class Redis:
    """A Redis server with an append-only file synced every second, as production runs it."""

    def __init__(self, root: Path):
        self.port = spare_port()
        self.root = root
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--dir",
            str(self.root),
            "--logfile",
            str(self.root / "redis.log"),
        ]
        self.process = subprocess.Popen(_as_user(command))
        wait_for(self.ping, timeout=30, what="redis")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9 of the server itself (runuser's child), then of runuser."""
        if self.process is None:
            return
        for pid in [*children_of(self.process.pid), self.process.pid]:
            signal_pid(pid, signal.SIGKILL)
        self.process.wait()
        self.process = None


def children_of(pid: int) -> list[int]:
    """The direct children of `pid`, from /proc."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return found


def signal_pid(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
