#!/usr/bin/env bash
# Regenerate the README's screenshots (docs/screenshots/*.png) from the browser tests. A plain
# test run writes its screenshots to temporary folders and leaves these files alone.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements/dev.txt
scripts/services.sh
EMS_WRITE_SCREENSHOTS=1 .venv/bin/python -m pytest -m browser tests/web/browser "$@"
