"""Hands batches of readings on (to the inbox); a destination that is down loses nothing.

Batches wait in a bounded in-memory buffer and are retried with exponential backoff; when the
buffer is full the simulator stops generating (back-pressure) instead of dropping readings.
"""

import collections
import sys
import time
from collections.abc import Callable


class Publisher:
    def __init__(
        self,
        *,
        send: Callable[[list[dict]], None],
        max_buffered_readings: int = 200_000,
        max_backoff: float = 30.0,
        stderr=sys.stderr,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.send = send
        self.max_buffered_readings = max_buffered_readings
        self.max_backoff = max_backoff
        self.stderr = stderr
        self.clock, self.sleep = clock, sleep
        self.buffer: collections.deque[list[dict]] = collections.deque()
        self.buffered_readings = 0
        self.sent_readings = 0
        self.sent_batches = 0
        self.failures = 0
        self._retry_at = 0.0

    def publish(self, batch: list[dict]) -> None:
        """Queue a batch and send what is taken; blocks only while the buffer is full."""
        self.buffer.append(batch)
        self.buffered_readings += len(batch)
        self.flush()
        while self.buffered_readings > self.max_buffered_readings:
            self._wait_for_retry()
            self.flush()

    def flush(self) -> bool:
        """Send buffered batches in order until one fails; True when the buffer is empty."""
        if self.buffer and self.clock() < self._retry_at:
            return False
        while self.buffer:
            batch = self.buffer[0]
            try:
                self.send(batch)
            except Exception as error:  # the errors vary: connection, timeout, ...
                self._failed(error)
                return False
            self.buffer.popleft()
            self.buffered_readings -= len(batch)
            self.sent_readings += len(batch)
            self.sent_batches += 1
            if self.failures:
                print(
                    f"ingestion is back: sending {self.buffered_readings} buffered readings",
                    file=self.stderr,
                )
                self.failures = 0
        return True

    def drain(self, *, timeout: float) -> bool:
        """Try to send everything within `timeout` seconds (on shutdown)."""
        deadline = self.clock() + timeout
        while not self.flush():
            if self.clock() >= deadline:
                return False
            self._wait_for_retry(deadline=deadline)
        return True

    def _failed(self, error: Exception) -> None:
        self.failures += 1
        delay = min(0.5 * 2 ** (self.failures - 1), self.max_backoff)
        self._retry_at = self.clock() + delay
        print(
            f"ingestion unavailable ({type(error).__name__}: {error}); "
            f"{self.buffered_readings} readings buffered, retry in {delay:.1f}s",
            file=self.stderr,
        )

    def _wait_for_retry(self, deadline: float | None = None) -> None:
        until = self._retry_at if deadline is None else min(self._retry_at, deadline)
        self.sleep(max(until - self.clock(), 0.0))
