#!/usr/bin/env bash
# The fault suite of issue 10 (docs/reliability.md): its own PostgreSQL cluster and Redis on spare
# ports, the real API, worker and beat, faults mid-stream, an independent recount.
#   scripts/chaos.sh            the whole suite (under 20 minutes)
#   scripts/chaos.sh --quick    one worker SIGKILL and one 5 s PostgreSQL stop (CI)
#   scripts/chaos.sh --only worker-kill --app-dir ../other-checkout
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements/dev.txt >/dev/null
exec .venv/bin/python -m tests.chaos "$@"
