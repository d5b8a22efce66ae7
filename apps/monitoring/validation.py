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
from decimal import Decimal, InvalidOperation

from django.conf import settings

from .models import QuarantineReason
from .selectors import DeviceInfo, device_infos

# The largest value the numeric(20, 8) column holds, with a margin.
MAX_VALUE = Decimal("1e11")
# Epoch milliseconds before 2000 are almost certainly seconds sent by mistake.
MIN_EPOCH_MS = 946_684_800_000


@dataclass(frozen=True)
class ParsedReading:
    device_id: uuid.UUID
    timestamp: dt.datetime
    value: Decimal
    # The reading as it arrived, passed on unchanged when the HTTP endpoint enqueues it.
    payload: dict = field(compare=False, repr=False, default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    payload: object
    reason: str
    detail: str


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


def _parse_timestamp(raw) -> dt.datetime:
    if isinstance(raw, bool):
        raise InvalidReading(QuarantineReason.MALFORMED, "timestamp must be epoch ms or ISO 8601")
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or raw < MIN_EPOCH_MS:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp is not epoch milliseconds")
        try:
            return dt.datetime.fromtimestamp(raw / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise InvalidReading(QuarantineReason.MALFORMED, f"timestamp: {error}") from error
    if isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp is not ISO 8601") from error
        if parsed.tzinfo is None:
            raise InvalidReading(QuarantineReason.MALFORMED, "timestamp has no UTC offset")
        return parsed.astimezone(dt.UTC)
    raise InvalidReading(QuarantineReason.MALFORMED, "timestamp must be epoch ms or ISO 8601")


def _parse_value(raw) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidReading(QuarantineReason.MALFORMED, "measurement_value must be a number")
    try:
        # str() of a float is its shortest exact repr: 10.23553823 stays 10.23553823.
        value = Decimal(str(raw))
    except InvalidOperation as error:
        raise InvalidReading(QuarantineReason.MALFORMED, "not a number") from error
    if not value.is_finite():
        raise InvalidReading(QuarantineReason.INVALID_VALUE, "measurement_value is not finite")
    if value < 0:
        raise InvalidReading(QuarantineReason.INVALID_VALUE, "measurement_value is negative")
    if value >= MAX_VALUE:
        raise InvalidReading(QuarantineReason.INVALID_VALUE, "measurement_value is too large")
    return value.quantize(Decimal("1e-8"))


def reading_parse(raw, *, now: dt.datetime) -> ParsedReading:
    """One reading's own checks (not the device's); raises InvalidReading with a reason."""
    if not isinstance(raw, dict):
        raise InvalidReading(QuarantineReason.MALFORMED, "a reading must be a JSON object")
    missing = [key for key in ("timestamp", "device_id", "measurement_value") if key not in raw]
    if missing:
        raise InvalidReading(QuarantineReason.MALFORMED, f"missing {', '.join(missing)}")
    try:
        device_id = uuid.UUID(str(raw["device_id"]))
    except ValueError as error:
        raise InvalidReading(QuarantineReason.MALFORMED, "device_id is not a UUID") from error
    timestamp = _parse_timestamp(raw["timestamp"])
    value = _parse_value(raw["measurement_value"])
    if timestamp > now + dt.timedelta(seconds=settings.MONITORING_MAX_FUTURE_SECONDS):
        raise InvalidReading(QuarantineReason.FUTURE_TIMESTAMP, "timestamp is in the future")
    if timestamp < now - dt.timedelta(days=settings.MONITORING_MAX_READING_AGE_DAYS):
        raise InvalidReading(QuarantineReason.TOO_OLD, "timestamp is older than accepted")
    return ParsedReading(device_id=device_id, timestamp=timestamp, value=value, payload=raw)


def readings_validate(
    *, raw_readings: list, now: dt.datetime, only_device_id: uuid.UUID | None = None
) -> Validated:
    """Split a batch into valid readings and rejections; one projection query for the batch.

    `only_device_id` is set when a device's own token posts: any other device is refused.
    """
    result = Validated()
    parsed: list[tuple[object, ParsedReading]] = []
    for raw in raw_readings:
        try:
            parsed.append((raw, reading_parse(raw, now=now)))
        except InvalidReading as error:
            result.rejections.append(Rejection(raw, error.reason, error.detail))
    result.devices = device_infos(device_ids={reading.device_id for _, reading in parsed})
    for raw, reading in parsed:
        device = result.devices.get(reading.device_id)
        if only_device_id is not None and reading.device_id != only_device_id:
            result.rejections.append(
                Rejection(raw, QuarantineReason.WRONG_DEVICE, "this token is for another device")
            )
        elif device is None:
            result.rejections.append(
                Rejection(raw, QuarantineReason.UNKNOWN_DEVICE, "no such device")
            )
        elif device.deleted:
            result.rejections.append(
                Rejection(raw, QuarantineReason.DELETED_DEVICE, "the device was deleted")
            )
        else:
            result.readings.append(reading)
    return result
