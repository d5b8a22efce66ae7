#!/usr/bin/env bash
# Install and run the whole test suite against real PostgreSQL and Redis, lint, then the short
# fault suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements/dev.txt
scripts/services.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
scripts/check-docker.sh
.venv/bin/python -m pytest "$@"
# The short subset of the fault suite (docs/reliability.md): a worker kill, a PostgreSQL stop.
scripts/chaos.sh --quick
