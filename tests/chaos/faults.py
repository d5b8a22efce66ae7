"""The faults, each a function of the running system that returns when the fault is over.

Processes of the system are restarted by its supervisor; PostgreSQL and Redis come back when the
fault restarts them (a supervisor would do the same after a crash).
"""

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from .servers import children_of, signal_pid, wait_for


@dataclass(frozen=True)
class Servers:
    system: object
    postgres: object
    redis: object


def worker_kill(servers: Servers) -> str:
    """SIGKILL of the whole worker, main process and pool (an OOM kill of its container)."""
    pids = servers.system.worker.signal_tree(signal.SIGKILL)
    return f"SIGKILL worker {pids}"


def pool_child_kill(servers: Servers) -> str:
    """SIGKILL of the pool processes only: the main process stays and replaces them."""
    pids = children_of(servers.system.worker.pid)
    for pid in pids:
        signal_pid(pid, signal.SIGKILL)
    return f"SIGKILL pool children {pids}"


def worker_stop_kill(servers: Servers) -> str:
    """SIGSTOP for 1 s, then SIGKILL (a hung worker that its supervisor gives up on)."""
    pids = servers.system.worker.signal_tree(signal.SIGSTOP)
    time.sleep(1)
    for pid in pids:
        signal_pid(pid, signal.SIGKILL)
    return f"SIGSTOP 1 s + SIGKILL worker {pids}"


def redis_kill(servers: Servers) -> str:
    """kill -9 of Redis (append-only file, fsync every second), restarted a second later."""
    servers.redis.kill()
    time.sleep(1)
    servers.redis.start()
    return "redis kill -9, restarted after 1 s"


def postgres_stop(seconds: float) -> Callable[[Servers], str]:
    def fault(servers: Servers) -> str:
        servers.postgres.stop("immediate")
        time.sleep(seconds)
        servers.postgres.start()
        return f"postgres stop -m immediate, {seconds:.0f} s down"

    fault.__name__ = f"postgres_stop_{seconds:.0f}s"
    return fault


def api_kill(servers: Servers) -> str:
    """SIGKILL of gunicorn's master and its workers, requests in flight (an OOM kill)."""
    system = servers.system
    pids = system.api.signal_tree(signal.SIGKILL)
    wait_for(system.api_ready, timeout=60, what="monitoring API after kill")
    return f"SIGKILL API {pids}"
