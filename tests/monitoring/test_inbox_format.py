"""An inbox row keeps its readings as columns (`inbox_pack`); unpacked, the batch is the list
that was handed in, malformed readings and extra fields included, in the same order."""

import json

from hypothesis import given
from hypothesis import strategies as st

from apps.monitoring.models import inbox_pack, inbox_unpack

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
_reading = st.fixed_dictionaries(
    {"device_id": _json, "timestamp": _json, "measurement_value": _json}
)
_with_more = st.fixed_dictionaries(
    {"device_id": _json, "timestamp": _json, "measurement_value": _json, "note": _json}
)
_missing = st.fixed_dictionaries({"device_id": _json, "timestamp": _json})


@given(st.lists(_reading | _with_more | _missing | _json, max_size=30))
def test_a_batch_unpacks_to_what_was_handed_in(readings):
    stored = json.loads(json.dumps(inbox_pack(readings)))  # as jsonb gives it back
    assert inbox_unpack(stored) == readings


def test_well_formed_readings_are_columns():
    readings = [
        {"device_id": "a", "timestamp": 1, "measurement_value": 0.5},
        "not a reading",
        {"timestamp": 2, "measurement_value": 1.5, "device_id": "b"},
    ]
    assert inbox_pack(readings) == {
        "device_id": ["a", "b"],
        "timestamp": [1, 2],
        "measurement_value": [0.5, 1.5],
        "other": [[1, "not a reading"]],
    }


def test_a_row_written_before_the_columns_is_read_as_it_is():
    readings = [{"device_id": "a", "timestamp": 1, "measurement_value": 0.5}, 7]
    assert inbox_unpack(readings) == readings
