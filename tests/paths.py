"""Files the tests read from outside the repository."""

from pathlib import Path

# The canonical meter series (a cumulative kWh index, one value every 10 minutes). It lives in
# the project's shared folder beside the checkout, in CI as on a developer's machine.
SENSOR_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "sensor.csv"
