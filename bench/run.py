"""`make bench`: every benchmark with its same-run baseline, one line per measure.

    .venv/bin/python bench/run.py [--quick]

Each benchmark runs as its own process with production settings (bench/common.py), its own
database (created and dropped) and the benchmarks' Redis database (14). Prints, per measure:
value, baseline, ratio, goal and the one-minute load average when it was taken (the machine is
shared: read each figure next to its load). About 5-8 minutes on two cores.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULT_PREFIX, load  # noqa: E402

BENCHMARKS = {
    "ingest (throughput)": ["bench/ingest.py", "--batch-size", "1000", "--group", "10"],
    "ingest (latency)": [
        "bench/ingest.py",
        "--batch-size",
        "1000",
        "--group",
        "10",
        "--rate",
        "10000",
    ],
    "reads": ["bench/reads.py"],
    "retention": ["bench/retention.py"],
    "sockets": ["bench/sockets.py"],
}
QUICK = {
    "ingest (throughput)": ["--readings", "100000"],
    "ingest (latency)": ["--readings", "100000"],
    "reads": ["--repeat", "100", "--http-seconds", "4"],
    "retention": ["--meters", "200"],
    "sockets": ["--sockets", "200", "--seconds", "8"],
}


def _number(value, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} {unit}".strip() if value >= 100 else f"{value:.3g} {unit}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, about 3 minutes")
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS))
    args = parser.parse_args()
    started = time.monotonic()
    results, failures = [], []
    for name, command in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        extra = QUICK[name] if args.quick else []
        print(f"== {name} (load {load():.1f})", flush=True)
        process = subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, *command, *extra], cwd=ROOT, capture_output=True, text=True
        )
        for line in process.stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                results.append(json.loads(line[len(RESULT_PREFIX) :]))
            else:
                print("   ", line)
        if process.returncode:
            failures.append(name)
            print(process.stderr[-3000:])
    print(f"\n{'measure':<86} {'value':>14} {'baseline':>14} {'ratio':>7}  goal, load")
    for result in results:
        ratio = "-" if result["ratio"] is None else f"{result['ratio']:.2f}"
        print(
            f"{result['measure']:<86} {_number(result['value'], result['unit']):>14} "
            f"{_number(result['baseline'], result['baseline_unit']):>14} {ratio:>7}  "
            f"{result['goal']}, load {result['load']:.1f}"
        )
    print(f"\n{time.monotonic() - started:.0f} s; load average now {load():.1f}")
    if failures:
        sys.exit(f"failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
