"""Validation of incoming readings, shared by the worker and the HTTP ingestion endpoint.

A reading is `{"timestamp": epoch ms or ISO 8601 with offset, "device_id": uuid,
"measurement_value": kWh}`. What fails here is quarantined (worker) or counted as rejected
(HTTP) with one of the QuarantineReason codes; nothing is dropped silently.
"""

import datetime as dt
import math
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings

from .models import QuarantineReason
from .selectors import DeviceInfo, device_infos

# The largest value the numeric(20, 8) column holds, with a margin.
MAX_VALUE = 1e11
# Epoch milliseconds before 2000 are almost certainly seconds sent by mistake.
MIN_EPOCH_MS = 946_684_800_000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


class ParsedReading(NamedTuple):
    """A valid reading (a tuple: a batch makes thousands of them)."""

    device_id: uuid.UUID
    # Microseconds since the epoch (UTC): exact, and cheap to pass to PostgreSQL in bulk.
    micros: int
    # The value as sent (numeric text if it came as a string); numeric(20, 8) rounds it.
    value: int | float | str
    # The reading as it arrived, passed on unchanged when the HTTP endpoint enqueues it.
    payload: dict | None = None

    @property
    def timestamp(self) -> dt.datetime:
        return EPOCH + self.micros * MICROSECOND


@dataclass(frozen=True)
class Rejection:
    payload: object
    reason: str
    detail: str
    # The reading's place in its batch: with the batch's id, it makes quarantining idempotent.
    position: int | None = None


@dataclass
class Validated:
    """A batch split into readings to store and rejections, with the devices they belong to."""

    readings: list[ParsedReading] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    devices: dict[uuid.UUID, DeviceInfo] = field(default_factory=dict)

    @property
    def reasons(self) -> dict[str, int]:
        return dict(Counter(rejection.reason for rejection in self.rejections))


class InvalidReading(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _parse_timestamp(raw) -> int:
    """Microseconds since the epoch from epoch milliseconds or ISO 8601 with an offset."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < MIN_EPOCH_MS:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp is not epoch milliseconds")
        return raw * 1000
    if isinstance(raw, float):
        # Above ~1.8e305 the microseconds are no longer a finite float (round() would raise).
        if not math.isfinite(raw * 1000) or raw < MIN_EPOCH_MS:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp is not epoch milliseconds")
        return round(raw * 1000)
    if isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp is not ISO 8601") from error
        if parsed.tzinfo is None:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp has no UTC offset")
        return (parsed - EPOCH) // MICROSECOND
    raise InvalidReading(QuarantineReason.MALFORMED, "timestamp must be epoch ms or ISO 8601")


def _parse_value(raw) -> int | float | str:
    """The value as JSON will carry it to PostgreSQL: an int, a float (its repr is the shortest
    exact form: 10.23553823 stays 10.23553823), or a numeric string made canonical."""
    if isinstance(raw, bool):
        raise InvalidReading(QuarantineReason.MALFORMED, "measurement_value must be a number")
    if isinstance(raw, int | float):
        number = value = raw
    elif isinstance(raw, str):
        try:
            number = float(raw)
        except ValueError as error:
            raise InvalidReading(QuarantineReason.MALFORMED, "not a number") from error
        value = repr(number)  # "1_000" or " 7 " are fine for Python, not for PostgreSQL
    else:
        raise InvalidReading(QuarantineReason.MALFORMED, "measurement_value must be a number")
    # An int of any size compares exactly below; math.isfinite would overflow converting it.
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidReading(QuarantineReason.INVALID_VALUE, "measurement_value is not finite")
    if number < 0:
        raise InvalidReading(QuarantineReason.INVALID_VALUE, "measurement_value is negative")
    if number >= MAX_VALUE:
        raise InvalidReading(QuarantineReason.INVALID_VALUE, "measurement_value is too large")
    return value


# Values taken as they are by _parse_value (a float in range is finite: NaN fails `0 <= value`).
_PLAIN_NUMBERS = (int, float)


@dataclass(frozen=True)
class Window:
    """The accepted timestamps, in microseconds since the epoch."""

    earliest: int
    latest: int

    @classmethod
    def history(cls, now: dt.datetime) -> "Window":
        """The bulk import's window: any past (from 1970), never the future beyond the margin."""
        future = dt.timedelta(seconds=settings.MONITORING_MAX_FUTURE_SECONDS)
        return cls(earliest=0, latest=(now + future - EPOCH) // MICROSECOND)

    @classmethod
    def around(cls, now: dt.datetime) -> "Window":
        future = dt.timedelta(seconds=settings.MONITORING_MAX_FUTURE_SECONDS)
        age = dt.timedelta(days=settings.MONITORING_MAX_READING_AGE_DAYS)
        return cls(
            earliest=(now - age - EPOCH) // MICROSECOND,
            latest=(now + future - EPOCH) // MICROSECOND,
        )


def reading_parse(raw, *, window: Window, device_ids: dict | None = None) -> ParsedReading:
    """One reading's own checks (not the device's); raises InvalidReading with a reason.

    `device_ids` caches parsed ids within a batch (a batch repeats few devices many times).
    """
    if not isinstance(raw, dict):
        raise InvalidReading(QuarantineReason.MALFORMED, "a reading must be a JSON object")
    try:
        raw_device, raw_timestamp, raw_value = (
            raw["device_id"],
            raw["timestamp"],
            raw["measurement_value"],
        )
    except KeyError:
        missing = [key for key in ("timestamp", "device_id", "measurement_value") if key not in raw]
        raise InvalidReading(QuarantineReason.MALFORMED, f"missing {', '.join(missing)}") from None
    device_ids = {} if device_ids is None else device_ids
    device_id = device_ids.get(raw_device) if isinstance(raw_device, str) else None
    if device_id is None:
        try:
            device_id = uuid.UUID(str(raw_device))
        except ValueError as error:
            raise InvalidReading(QuarantineReason.MALFORMED, "device_id is not a UUID") from error
        if isinstance(raw_device, str):
            device_ids[raw_device] = device_id
    micros = _parse_timestamp(raw_timestamp)
    value = _parse_value(raw_value)
    if micros > window.latest:
        raise InvalidReading(QuarantineReason.FUTURE_TIMESTAMP, "timestamp is in the future")
    if micros < window.earliest:
        raise InvalidReading(QuarantineReason.TOO_OLD, "timestamp is older than accepted")
    return ParsedReading(device_id, micros, value, raw)


def readings_validate(
    *,
    raw_readings: list,
    now: dt.datetime,
    only_device_id: uuid.UUID | None = None,
    window: Window | None = None,
) -> Validated:
    """Split a batch into valid readings and rejections; one projection query for the batch.

    `only_device_id` is set when a device's own token posts: any other device is refused.
    `window`: the accepted timestamps (default: the live window around `now`).
    """
    result = Validated()
    parsed: list[tuple[int, object, ParsedReading]] = []
    window, device_ids, slow_ids = window or Window.around(now), {}, set()
    earliest, latest = window.earliest, window.latest
    for position, raw in enumerate(raw_readings):
        # The usual reading, checked inline (a batch is thousands of them): a known device's id
        # as text, epoch milliseconds in the window, a finite value in range; exactly what
        # reading_parse accepts and returns for it. Anything else goes through reading_parse.
        if type(raw) is dict:
            raw_device = raw.get("device_id")
            device_id = device_ids.get(raw_device) if type(raw_device) is str else None
            timestamp, value = raw.get("timestamp"), raw.get("measurement_value")
            if (
                device_id is not None
                and type(timestamp) is int
                and timestamp >= MIN_EPOCH_MS
                and earliest <= timestamp * 1000 <= latest
                and type(value) in _PLAIN_NUMBERS
                and 0 <= value < MAX_VALUE
            ):
                parsed.append(
                    (position, raw, ParsedReading(device_id, timestamp * 1000, value, raw))
                )
                continue
        try:
            reading = reading_parse(raw, window=window, device_ids=device_ids)
        except InvalidReading as error:
            result.rejections.append(Rejection(raw, error.reason, error.detail, position))
        else:
            parsed.append((position, raw, reading))
            slow_ids.add(reading.device_id)
    # The device checks, once per device: a batch names few devices many times. `device_ids`
    # holds every device named by text (perhaps one whose readings were all refused: a row
    # read for nothing); `slow_ids` those named otherwise.
    named = set(device_ids.values()) | slow_ids
    result.devices = device_infos(device_ids=named)
    refused = {}
    for device_id in named:
        device = result.devices.get(device_id)
        if only_device_id is not None and device_id != only_device_id:
            refused[device_id] = (QuarantineReason.WRONG_DEVICE, "this token is for another device")
        elif device is None:
            refused[device_id] = (QuarantineReason.UNKNOWN_DEVICE, "no such device")
        elif device.deleted:
            refused[device_id] = (QuarantineReason.DELETED_DEVICE, "the device was deleted")
    if not refused:
        result.readings = [reading for _, _, reading in parsed]
        return result
    for position, raw, reading in parsed:
        verdict = refused.get(reading.device_id)
        if verdict is None:
            result.readings.append(reading)
        else:
            result.rejections.append(Rejection(raw, *verdict, position))
    return result
