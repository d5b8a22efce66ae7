"""The workload: batches sent in parallel three ways, each acknowledged reading by reading.

A batch counts as acknowledged only when its request answered 202 (HTTP) or the enqueue call
returned (the simulator's path). A 5xx or a connection error is retried like a real meter would,
with backoff, for a bounded time; a 4xx is a bug of the suite and is recorded as such.
"""

import json
import queue
import select
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .fleet import Batch

RETRY_FOR_SECONDS = 300.0
MAX_BACKOFF = 4.0
REQUEST_TIMEOUT = 30.0


class HarnessError(RuntimeError):
    """The suite sent something the API refused (4xx): a bug here, not in the system."""


@dataclass
class Outcome:
    """What the suite knows of its batches after the stream."""

    acknowledged: set = field(default_factory=set)  # reading keys
    unacknowledged: set = field(default_factory=set)  # sent at least once, never acknowledged
    statuses: Counter = field(default_factory=Counter)
    harness_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, batch: Batch, acknowledged: bool) -> None:
        with self.lock:
            (self.acknowledged if acknowledged else self.unacknowledged).update(batch.keys)

    def count(self, status: str) -> None:
        with self.lock:
            self.statuses[status] += 1


class Transient(Exception):
    """Not accepted this time; try again."""

    def __init__(self, status: str, retry_after: float | None = None):
        super().__init__(status)
        self.status, self.retry_after = status, retry_after


def http_send(url: str, authorization: str, batch: Batch) -> None:
    request = urllib.request.Request(
        f"{url}/api/readings/",
        data=json.dumps(batch.readings).encode(),
        headers={"Content-Type": "application/json", "Authorization": authorization},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        if error.code < 500:
            raise HarnessError(f"batch {batch.id}: {error.code} {error.read()[:300]!r}") from error
        raise Transient(str(error.code), _retry_after(error.headers)) from error
    except (OSError, urllib.error.URLError) as error:
        raise Transient("connection") from error
    if status != 202:
        raise HarnessError(f"batch {batch.id}: answered {status}")


def _retry_after(headers) -> float | None:
    try:
        return float(headers.get("Retry-After"))
    except (TypeError, ValueError):
        return None


class Enqueuer:
    """The simulator's path: a Django process of the checkout calling the enqueue service."""

    def __init__(self, system):
        self.system = system
        self.process: subprocess.Popen | None = None

    def send(self, batch: Batch) -> None:
        if self.process is None or self.process.poll() is not None:
            self._start()
        line = json.dumps({"id": batch.id, "readings": batch.readings})
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except OSError as error:
            self.close()
            raise Transient("enqueue-died") from error
        readable, _, _ = select.select([self.process.stdout], [], [], REQUEST_TIMEOUT)
        answer = self.process.stdout.readline() if readable else ""
        if answer.startswith(f"ok {batch.id}"):
            return
        if not answer:
            self.close()  # hung or died: its call may or may not have stored the batch
            raise Transient("enqueue-timeout")
        raise Transient("enqueue-" + answer.split()[2].rstrip(":"))

    def _start(self) -> None:
        system = self.system
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("django_side.py")), "enqueue"],
            env={**system.env, "EMS_PROCESS": "simulator"},
            cwd=system.app_dir,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(system.root / "enqueue.log", "ab"),  # noqa: SIM115 - the child keeps it
        )

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class Sender(threading.Thread):
    """Takes batches off the queue and sends each until acknowledged or out of time."""

    def __init__(self, *, system, admin_token: str, batches: queue.Queue, outcome: Outcome):
        super().__init__(daemon=True)
        self.system, self.admin_token = system, admin_token
        self.batches, self.outcome = batches, outcome
        self.enqueuer = Enqueuer(system)

    def run(self) -> None:
        try:
            while (batch := self.batches.get()) is not None:
                self.outcome.record(batch, self._deliver(batch))
        finally:
            self.enqueuer.close()

    def _deliver(self, batch: Batch) -> bool:
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        backoff = 0.25
        while True:
            try:
                self._send(batch)
            except Transient as error:
                self.outcome.count(error.status)
                if time.monotonic() > deadline:
                    return False
                time.sleep(min(error.retry_after or backoff, backoff, MAX_BACKOFF))
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            except HarnessError as error:
                self.outcome.harness_errors.append(str(error))
                return False
            self.outcome.count("accepted")
            return True

    def _send(self, batch: Batch) -> None:
        if batch.path == "enqueue":
            self.enqueuer.send(batch)
        elif batch.path == "admin":
            http_send(self.system.api_url, f"Bearer {self.admin_token}", batch)
        else:
            http_send(self.system.api_url, f"Device {batch.meter.token}", batch)


def stream(
    *, system, admin_token: str, batches: list[Batch], seconds: float, senders: int = 6
) -> Outcome:
    """Release the batches evenly over `seconds` to `senders` threads; wait for every answer."""
    outcome = Outcome()
    pending: queue.Queue = queue.Queue()
    threads = [
        Sender(system=system, admin_token=admin_token, batches=pending, outcome=outcome)
        for _ in range(senders)
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    for index, batch in enumerate(batches):
        time.sleep(max(0.0, started + index * seconds / len(batches) - time.monotonic()))
        pending.put(batch)
    for _ in threads:
        pending.put(None)
    for thread in threads:
        thread.join()
    return outcome
