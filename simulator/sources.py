"""Where a simulated meter's energy comes from: a load profile, or a replayed CSV of indexes.

Each source answers `energy(start, end)`: the kWh used in [start, end). Sources are
deterministic per device (seeded from its id), so a replay publishes the same readings.
"""

import datetime as dt
import hashlib
import itertools
import math
import random
import uuid
from pathlib import Path

# The canonical meter series, shipped with the code: a cumulative kWh index, one value every
# 10 minutes (3,999 values, about 28 days).
SENSOR_CSV = Path(__file__).resolve().parent / "data" / "sensor.csv"


def _seed(device_id: uuid.UUID, *parts) -> int:
    digest = hashlib.sha256(f"{device_id}:{':'.join(map(str, parts))}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class LoadProfile:
    """A household-like load: morning and evening peaks, busier weekends, noise, rare spikes.

    Scaled to the device's maximum hourly energy: an ordinary hour stays below it (at most
    about 85%), a spike hour (probability `spike_probability`) goes up to 1.6 times above it.
    """

    def __init__(
        self, *, device_id: uuid.UUID, max_hourly_kwh: float, spike_probability: float = 0.02
    ):
        self.device_id = device_id
        self.max_hourly_kwh = max_hourly_kwh
        self.spike_probability = spike_probability

    @staticmethod
    def daily_curve(hour: float, weekend: bool) -> float:
        morning = 10.0 if weekend else 8.0
        return (
            0.3
            + 0.35 * math.exp(-(((hour - morning) / 2.0) ** 2))
            + 0.55 * math.exp(-(((hour - 19.5) / 2.5) ** 2))
        )

    def hourly_kwh(self, hour_start: dt.datetime) -> float:
        """The energy of one whole UTC hour (constant power within the hour)."""
        local_hour = hour_start.hour + hour_start.minute / 60
        weekend = hour_start.weekday() >= 5
        level = 0.7 * self.daily_curve(local_hour, weekend) * (1.15 if weekend else 1.0)
        rng = random.Random(_seed(self.device_id, hour_start.isoformat()))
        level *= rng.uniform(0.9, 1.1)
        if rng.random() < self.spike_probability:
            level = rng.uniform(1.1, 1.6)
        return self.max_hourly_kwh * level

    def energy(self, start: dt.datetime, end: dt.datetime) -> float:
        total, cursor = 0.0, start
        while cursor < end:
            hour = cursor.replace(minute=0, second=0, microsecond=0)
            upto = min(end, hour + dt.timedelta(hours=1))
            total += self.hourly_kwh(hour) * (upto - cursor).total_seconds() / 3600
            cursor = upto
        return total


class Overload:
    """A meter that draws `factor` times its limit, steadily, for `hours` whole UTC hours from
    `start` (an hour boundary), and follows `base` before and after: hours that are warned about
    while they run and then go over the limit (the demo's warning, then its alert)."""

    def __init__(
        self, *, base, max_hourly_kwh: float, factor: float, start: dt.datetime, hours: int = 2
    ):
        self.base = base
        self.kwh_per_second = max_hourly_kwh * factor / 3600
        self.start, self.end = start, start + dt.timedelta(hours=hours)

    def energy(self, start: dt.datetime, end: dt.datetime) -> float:
        inside_start, inside_end = max(start, self.start), min(end, self.end)
        if inside_end <= inside_start:
            return self.base.energy(start, end)
        total = self.kwh_per_second * (inside_end - inside_start).total_seconds()
        if start < inside_start:
            total += self.base.energy(start, inside_start)
        if end > inside_end:
            total += self.base.energy(inside_end, end)
        return total


def read_index_csv(path: str | Path) -> list[float]:
    """One cumulative index value per line, like simulator/data/sensor.csv."""
    values = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            values.append(float(line.split(",")[-1]))
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not a number: {line!r}") from error
    if len(values) < 2:
        raise ValueError(f"{path}: needs at least two values")
    return values


class CsvReplay:
    """Replays the increments of an index file, one value per step, from a per-meter offset.

    The file is looped: at its end the meter continues with the increments from the start, so
    the published index keeps growing. Step k (counted from the epoch) is the same line
    whenever it is computed.
    """

    def __init__(self, *, values: list[float], offset: int, step: dt.timedelta):
        increments = [max(b - a, 0.0) for a, b in itertools.pairwise(values)]
        self.length = len(increments)
        self.offset = offset % self.length
        self.step = step
        self.prefix = [0.0]
        for increment in increments:
            self.prefix.append(self.prefix[-1] + increment)

    def _sum_of_first(self, steps: int) -> float:
        full, rest = divmod(steps, self.length)
        start, stop = self.offset, self.offset + rest
        if stop <= self.length:
            partial = self.prefix[stop] - self.prefix[start]
        else:
            partial = self.prefix[-1] - self.prefix[start] + self.prefix[stop - self.length]
        return full * self.prefix[-1] + partial

    def energy(self, start: dt.datetime, end: dt.datetime) -> float:
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        first, last = round((start - epoch) / self.step), round((end - epoch) / self.step)
        return self._sum_of_first(last) - self._sum_of_first(first) if last > first else 0.0


def csv_offset(device_id: uuid.UUID, length: int) -> int:
    """Each simulated meter starts at its own place in the file."""
    return _seed(device_id, "csv") % length
