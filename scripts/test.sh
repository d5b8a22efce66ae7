#!/usr/bin/env bash
# Install and run the whole test suite against real PostgreSQL and Redis: the linters, the short
# fault suite, pytest, then the docker deployment booted for real (scripts/test-deploy.sh, whose
# last line `deploy: N passed, M failed` is the run's last). EMS_TEST_DEPLOY=0 leaves the
# deployment out, and says so.
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
if [ "${EMS_TEST_DEPLOY:-1}" = 0 ]; then
    echo "test-deploy NOT RUN (EMS_TEST_DEPLOY=0): the docker deployment is untested"
else
    scripts/test-deploy.sh
fi
