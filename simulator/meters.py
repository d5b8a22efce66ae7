"""A simulated meter: turns its source's energy into readings of the canonical shape."""

import datetime as dt
import hashlib
import uuid

from ems.vocabulary import MeterKind

# A meter's index is its base plus all energy since this instant, so a restarted simulator
# (or a second backfill over the same hours) publishes the same values for the same times.
ANCHOR = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


class SimulatedMeter:
    def __init__(self, *, device_id: uuid.UUID, source, meter_kind: str = MeterKind.INDEX):
        self.device_id = device_id
        self.source = source  # LoadProfile or CsvReplay: anything with energy(start, end)
        self.meter_kind = meter_kind
        # Every meter starts from its own index, like a register installed years ago.
        digest = hashlib.sha256(str(device_id).encode()).digest()
        self.base = float(int.from_bytes(digest[:2], "big") % 5000)
        self._at, self._index = ANCHOR, self.base

    def index_at(self, timestamp: dt.datetime) -> float:
        if timestamp < self._at:
            self._at, self._index = ANCHOR, self.base
        self._index += self.source.energy(self._at, timestamp)
        self._at = max(self._at, timestamp)
        return self._index

    def reading_at(self, timestamp: dt.datetime, interval: dt.timedelta) -> dict:
        """The reading at `timestamp`: the index, or the energy of the interval ending there."""
        if self.meter_kind == MeterKind.INTERVAL:
            value = self.source.energy(timestamp - interval, timestamp)
        else:
            value = self.index_at(timestamp)
        return {
            "device_id": str(self.device_id),
            "timestamp": int(timestamp.timestamp() * 1000),
            "measurement_value": round(value, 6),
        }
