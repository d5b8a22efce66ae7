"""`python -m tests.chaos [--quick] [--only NAME ...] [--app-dir CHECKOUT]`.

The fault suite of issue 10; docs/reliability.md says what it injects and compares.
"""

import argparse
import sys
import time
from pathlib import Path

from .suite import BASELINE, FULL, QUICK, run

ROOT = Path(__file__).resolve().parent.parent.parent


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the short subset CI runs")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these checks: {', '.join(s.name for s in [BASELINE, *FULL])}",
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="the checkout whose code runs (default: this one)",
    )
    parser.add_argument("--steps", type=int, help="readings per meter and check")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--logs", type=Path, help="where the processes' logs are kept")
    return parser.parse_args()


def main() -> int:
    arguments = _arguments()
    scenarios = QUICK if arguments.quick else FULL
    if arguments.only:
        known = {s.name: s for s in [BASELINE, *QUICK, *FULL]}  # the full suite's version wins
        scenarios = [known[name] for name in arguments.only]
    steps = arguments.steps or (288 if arguments.quick else 1008)
    logs = arguments.logs or ROOT / "var" / "chaos" / time.strftime("%Y%m%d-%H%M%S")
    started = time.monotonic()
    results = run(
        app_dir=arguments.app_dir.resolve(),
        scenarios=scenarios,
        steps=steps,
        seed=arguments.seed,
        logs=logs,
        report=lambda line: print(line, flush=True),
    )
    failed = sum(not result.passed for result in results) + len(scenarios) - len(results)
    print(f"wall time {time.monotonic() - started:.0f} s; logs in {logs}")
    print(f"chaos: {len(scenarios) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
