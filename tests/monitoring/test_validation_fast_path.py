"""readings_validate checks the usual reading inline: it must split any batch exactly as
reading_parse, reading by reading, does (same readings, same rejections, same positions)."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.monitoring import validation
from apps.monitoring.selectors import DeviceInfo
from apps.monitoring.validation import (
    MIN_EPOCH_MS,
    InvalidReading,
    Rejection,
    Window,
    reading_parse,
    readings_validate,
)

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DEVICES = [str(uuid.UUID(int=n)) for n in (1, 2)]

_device = st.sampled_from(DEVICES) | st.sampled_from([7, None, "not a uuid", ["x"], {"a": 1}])
_timestamp = (
    st.integers(NOW_MS - 86_400_000, NOW_MS)
    | st.integers(NOW_MS - 40 * 86_400_000, NOW_MS + 86_400_000)
    | st.sampled_from([MIN_EPOCH_MS - 1, MIN_EPOCH_MS, True, 0])
    | st.floats(allow_nan=False)
    | st.just(float("nan"))
    | st.just("2026-12-01T11:00:00+00:00")
)
_value = (
    st.integers(-5, 10**12)
    | st.floats(-2, 2)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([True, False, "1.5", None, 99_999_999_999, 100_000_000_000, 1e11, -0.0])
)
_reading = st.fixed_dictionaries(
    {"device_id": _device, "timestamp": _timestamp, "measurement_value": _value}
)


def _reference(raw_readings, window):
    readings, rejections, device_ids = [], [], {}
    for position, raw in enumerate(raw_readings):
        try:
            readings.append(reading_parse(raw, window=window, device_ids=device_ids))
        except InvalidReading as error:
            rejections.append(Rejection(raw, error.reason, error.detail, position))
    return readings, rejections


@settings(max_examples=300)
@given(st.lists(_reading | st.just("x") | st.just({"timestamp": NOW_MS}), max_size=25))
def test_the_inline_check_splits_a_batch_as_reading_parse_does(monkeypatch_devices, raw):
    validated = readings_validate(raw_readings=raw, now=NOW)
    readings, rejections = _reference(raw, Window.around(NOW))
    assert validated.readings == readings
    assert sorted(validated.rejections, key=lambda r: r.position) == rejections
    for got, expected in zip(validated.readings, readings, strict=True):
        assert type(got.value) is type(expected.value)


def _known(*, device_ids):
    return {device: DeviceInfo(device, 1, Decimal("1"), "index", False) for device in device_ids}


@pytest.fixture(scope="module")
def monkeypatch_devices():
    patch = pytest.MonkeyPatch()
    patch.setattr(validation, "device_infos", _known)
    yield
    patch.undo()
