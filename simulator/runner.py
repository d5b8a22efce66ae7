"""The simulation clock: a backfill of history as fast as ingestion takes it, then live time."""

import datetime as dt
import sys
import time
import uuid
from collections.abc import Callable, Iterable

from .meters import SimulatedMeter
from .publisher import Publisher


def align(moment: dt.datetime, interval: dt.timedelta) -> dt.datetime:
    """The last interval boundary at or before `moment` (boundaries counted from the epoch)."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return epoch + ((moment - epoch) // interval) * interval


class Progress:
    """A plain progress line on stderr (no dependency), redrawn at most twice a second."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream, self._drawn = total, 0, stream, 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn > 0.5 or self.done >= self.total:
            self._drawn = now
            share = self.done / self.total if self.total else 1
            bar = "#" * int(share * 30)
            print(
                f"\rbackfill [{bar:<30}] {share:6.1%} {self.done}/{self.total} readings",
                end="" if self.done < self.total else "\n",
                file=self.stream,
                flush=True,
            )


class Simulation:
    def __init__(
        self,
        *,
        meters: Callable[[], list[SimulatedMeter]],
        publisher: Publisher,
        interval: dt.timedelta,
        batch_size: int = 1000,
        speed: float = 1.0,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        quiet: dict[uuid.UUID, dt.timedelta] | None = None,
    ):
        self.meters_source = meters
        self.meters = meters()
        self.publisher = publisher
        self.interval = interval
        self.batch_size = batch_size
        self.speed = speed
        self.now = now
        self.stopping = False
        self.backfill_span: dt.timedelta | None = None
        # Meters that go quiet when the live run starts (device -> how long): like a meter whose
        # modem is down, they hold their readings back and send them all when they come back.
        self.quiet = dict(quiet or {})
        self.quiet_until: dict[uuid.UUID, dt.datetime] = {}
        self.held: dict[uuid.UUID, list[dict]] = {}

    def _readings(self, steps: Iterable[dt.datetime], *, live: bool = False):
        for step in steps:
            for meter in self.meters:
                reading = meter.reading_at(step, self.interval)
                until = self.quiet_until.get(meter.device_id) if live else None
                if until is not None:
                    if step < until:
                        self.held.setdefault(meter.device_id, []).append(reading)
                        continue
                    del self.quiet_until[meter.device_id]
                    yield from self.held.pop(meter.device_id, [])
                yield reading

    def _publish(self, readings: Iterable[dict], progress: Progress | None = None) -> None:
        batch = []
        for reading in readings:
            batch.append(reading)
            if len(batch) >= self.batch_size:
                self.publisher.publish(batch)
                if progress:
                    progress.advance(len(batch))
                batch = []
            if self.stopping:
                return
        if batch:
            self.publisher.publish(batch)
            if progress:
                progress.advance(len(batch))

    def backfill(
        self, span: dt.timedelta, meters: list[SimulatedMeter] | None = None
    ) -> dt.datetime:
        """Publish every step of the last `span`; returns the last step published."""
        self.backfill_span = span
        if meters is not None:
            everyone, self.meters = self.meters, meters
            try:
                return self.backfill(span)
            finally:
                self.meters = everyone
        end = align(self.now(), self.interval)
        first = align(end - span, self.interval) + self.interval
        count = int((end - first) / self.interval) + 1
        steps = (first + k * self.interval for k in range(count))
        self._publish(self._readings(steps), Progress(count * len(self.meters)))
        return end

    def live(self, *, start: dt.datetime, refresh_every: float = 30.0) -> None:
        """Publish one reading per meter per step; simulated time runs `speed` times real time.

        With speed > 1 the timestamps run ahead of real time (the worker refuses readings more
        than MONITORING_MAX_FUTURE_SECONDS ahead): meant for short demos.
        """
        step = align(start, self.interval)
        self.quiet_until = {device: start + span for device, span in self.quiet.items()}
        real_start, last_refresh = time.monotonic(), time.monotonic()
        while not self.stopping:
            simulated_now = start + (time.monotonic() - real_start) * self.speed * dt.timedelta(
                seconds=1
            )
            due = []
            while step + self.interval <= simulated_now:
                step += self.interval
                due.append(step)
            if due:
                self._publish(self._readings(due, live=True))
            else:
                self.publisher.flush()
            # With no meter yet (the demo starts before the device events reach the
            # projection), look again every few seconds instead of every `refresh_every`.
            wait = refresh_every if self.meters else min(refresh_every, 2.0)
            if time.monotonic() - last_refresh > wait:
                self._refresh_meters()
                last_refresh = time.monotonic()
            time.sleep(min(0.2, self.interval.total_seconds() / max(self.speed, 1e-9)))

    def _refresh_meters(self) -> None:
        """Pick up devices assigned since the start (when the list comes from the projection)."""
        known = {meter.device_id: meter for meter in self.meters}
        current = self.meters_source()
        new = [meter for meter in current if meter.device_id not in known]
        if new and self.backfill_span:
            self.backfill(self.backfill_span, meters=new)
        self.meters = [known.get(meter.device_id, meter) for meter in current]
