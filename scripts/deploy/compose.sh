#!/usr/bin/env bash
# The compose command of scripts/backup.sh, restore.sh and test-deploy.sh: EMS_COMPOSE if set
# (a whole command line, e.g. with -p), else the venv's Compose binary or `docker compose`, on
# docker/compose.yaml (settings from docker/.env or the environment).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${EMS_COMPOSE:-}" ]; then
    # shellcheck disable=SC2086
    exec $EMS_COMPOSE "$@"
elif [ -x .venv/bin/docker-compose ]; then
    exec .venv/bin/docker-compose -f docker/compose.yaml "$@"
else
    exec docker compose -f docker/compose.yaml "$@"
fi
