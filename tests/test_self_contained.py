"""The repository stands alone: a fresh clone in any folder, with nothing beside it, runs.

Nothing tracked refers to a file outside the checkout, and the data the tests and the demo
replay ships inside it.
"""

import re
import shlex
import subprocess
from pathlib import Path

from tests.paths import REPOSITORY, SENSOR_CSV

# A path that climbs out of the checkout into the folder beside it, or the design page kept
# there (written so that this file does not match itself).
OUTSIDE = re.compile(r"\.\./" + r"shared|parents\[2\]\s*/\s*\"shared\"|\bDESIGN" + r"\.md\b")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    files = [REPOSITORY / name.decode() for name in names if name]
    return [path for path in files if path.is_file() and b"\0" not in path.read_bytes()[:8192]]


def test_it_refers_to_no_file_beside_the_checkout():
    offenders = [
        f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}"
        for path in tracked_text_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_it_ships_the_meter_series_the_tests_and_the_demo_replay():
    assert SENSOR_CSV.is_relative_to(REPOSITORY)
    lines = SENSOR_CSV.read_text().split()
    values = [float(line) for line in lines]
    # 3,999 cumulative kWh values, one every 10 minutes: about 28 days.
    assert len(values) == 3999
    assert values[0] == 0.0
    assert values[-1] > values[0]
    assert SENSOR_CSV.stat().st_size < 100_000


def test_the_demo_replays_a_file_inside_the_repository():
    simulator = next(
        line.partition(":")[2]
        for line in (REPOSITORY / "Procfile").read_text().splitlines()
        if line.startswith("simulator:")
    )
    arguments = shlex.split(simulator)
    replay = arguments[arguments.index("--replay") + 1].partition("=")[2]
    path = (REPOSITORY / replay).resolve()
    assert path.is_relative_to(REPOSITORY)
    assert path == SENSOR_CSV
