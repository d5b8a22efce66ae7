"""The workload's data: meters with tokens and limits, their readings, and the batches to send.

Index meters read every 10 minutes (off the hour, so intervals straddle hour boundaries); values
are a cumulative kWh register growing 0.15-0.45 kWh a step with occasional spikes of 2-6 kWh, and
each meter's limit sits between a normal hour (~1.8 kWh) and a spike hour, so some hours alert.
"""

import hashlib
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

STEP_MS = 600_000
HOUR_MS = 3_600_000
READINGS_PER_UNIT = 4
UNITS_PER_BATCH = 3
PATHS = ("device", "admin", "enqueue")


@dataclass(frozen=True)
class Meter:
    id: str
    token: str
    max_hourly_kwh: Decimal

    @property
    def token_hash(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()


@dataclass
class Batch:
    id: int
    path: str
    readings: list[dict]
    # The meter whose token sends it (the "device" path); None for the admin and enqueue paths.
    meter: Meter | None = None
    keys: list[tuple[str, int]] = field(default_factory=list)


def meters_make(count: int, rng: random.Random) -> list[Meter]:
    return [
        Meter(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            token=secrets.token_urlsafe(32),
            max_hourly_kwh=Decimal("3.5") + Decimal(index % 3) / 2,
        )
        for index in range(count)
    ]


def readings_make(meter: Meter, steps: int, rng: random.Random) -> list[dict]:
    """`steps` readings ending an hour ago: validation refuses the far future and past."""
    end = (int(time.time() * 1000) - HOUR_MS) // STEP_MS * STEP_MS + 7 * 60_000
    value = Decimal(rng.randint(1000, 5000))
    readings = []
    for step in range(steps):
        value += Decimal(str(round(rng.uniform(0.15, 0.45), 3)))
        if rng.random() < 0.04:
            value += Decimal(str(round(rng.uniform(2.0, 6.0), 3)))
        readings.append(
            {
                "device_id": meter.id,
                "timestamp": end - (steps - 1 - step) * STEP_MS,
                "measurement_value": float(value),
            }
        )
    return readings


def batches_make(meters: list[Meter], steps: int, rng: random.Random) -> list[Batch]:
    """Batches in time order, two hours (12 steps) per window; in each window every meter takes
    one path in turn: its own token (one batch of its 12 readings), or the admin's token or the
    simulator's enqueue (batches of 3 units of 4 readings, each unit another meter's)."""
    readings = {meter.id: readings_make(meter, steps, rng) for meter in meters}
    window = READINGS_PER_UNIT * UNITS_PER_BATCH
    batches: list[Batch] = []
    for window_index, start in enumerate(range(0, steps, window)):
        mixed: dict[str, list[list[dict]]] = {"admin": [], "enqueue": []}
        for meter_index, meter in enumerate(meters):
            chunk = readings[meter.id][start : start + window]
            path = PATHS[(meter_index + window_index) % len(PATHS)]
            if path == "device":
                batches.append(_batch(len(batches), path, chunk, meter))
                continue
            units = [chunk[i : i + READINGS_PER_UNIT] for i in range(0, len(chunk), 4)]
            mixed[path].append(units)
        for path, per_meter in mixed.items():
            for units in _interleave(per_meter, UNITS_PER_BATCH):
                batches.append(_batch(len(batches), path, [r for unit in units for r in unit]))
    return batches


def _interleave(per_meter: list[list[list[dict]]], size: int) -> list[list[list[dict]]]:
    """Units of several meters, unit by unit in time order, cut into groups of `size`."""
    ordered = [
        units[position]
        for position in range(max((len(units) for units in per_meter), default=0))
        for units in per_meter
        if position < len(units)
    ]
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _batch(batch_id: int, path: str, readings: list[dict], meter: Meter | None = None) -> Batch:
    keys = [(reading["device_id"], reading["timestamp"]) for reading in readings]
    return Batch(id=batch_id, path=path, readings=readings, meter=meter, keys=keys)
