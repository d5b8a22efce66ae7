"""Files the tests read: all inside the repository (tests/test_self_contained.py)."""

from pathlib import Path

from simulator.sources import SENSOR_CSV

REPOSITORY = Path(__file__).resolve().parents[1]

__all__ = ["REPOSITORY", "SENSOR_CSV"]
