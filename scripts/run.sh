#!/usr/bin/env bash
# Install, prepare and run the whole system locally: the four databases, demo data and every
# process (Procfile) behind one URL. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements/dev.txt
scripts/services.sh >/dev/null
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-ems.settings.local}
export PORT=${PORT:-8000}
# The demo's simulated meters send a reading a minute (Procfile), so a minute is their nominal
# interval: a meter is silent after three missed minutes, not thirty. A warning may come after
# five minutes of an hour (production: 15; docs/monitoring.md, "Warnings" and "The demo").
export MONITORING_NOMINAL_INTERVAL_SECONDS=${MONITORING_NOMINAL_INTERVAL_SECONDS:-60}
export MONITORING_WARNING_MIN_OBSERVED_SECONDS=${MONITORING_WARNING_MIN_OBSERVED_SECONDS:-300}
mkdir -p var

.venv/bin/python manage.py setup_databases
.venv/bin/python manage.py seed_demo
.venv/bin/python manage.py collectstatic --noinput --verbosity 0

cat <<MSG

  EMS is starting at   http://127.0.0.1:${PORT}/
  Administration:      http://127.0.0.1:${PORT}/admin/
  API docs:            http://127.0.0.1:${PORT}/api/docs/
  Demo logins are listed above (seed_demo). Ctrl-C stops every process.

MSG
exec .venv/bin/honcho --procfile Procfile start
