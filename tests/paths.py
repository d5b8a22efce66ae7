"""Files the tests read: all inside the repository (tests/test_self_contained.py)."""

from simulator.sources import SENSOR_CSV

__all__ = ["SENSOR_CSV"]
