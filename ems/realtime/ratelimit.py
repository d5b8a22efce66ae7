"""A token bucket: a burst of `capacity` events, refilled at `rate` events a second."""

import time


class TokenBucket:
    def __init__(self, *, capacity: int, rate: float, clock=time.monotonic):
        self.capacity = capacity
        self.rate = rate
        self._clock = clock
        self._tokens = float(capacity)
        self._updated = clock()

    def take(self) -> bool:
        """Spend one token if there is one; False means the caller is over the limit."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False
