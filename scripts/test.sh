#!/usr/bin/env bash
# Install and run the whole test suite against real PostgreSQL and Redis: the linters, the short
# fault suite, then pytest (its summary is the last line).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements/dev.txt
scripts/services.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
scripts/check-docker.sh
# The short subset of the fault suite (docs/reliability.md): a worker kill, a PostgreSQL stop.
scripts/chaos.sh --quick
.venv/bin/python -m pytest "$@"
