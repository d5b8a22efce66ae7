#!/usr/bin/env bash
# Install what EMS needs on a fresh machine: system packages, a virtualenv with the pinned
# requirements. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=${1:-requirements/dev.txt}
PYTHON=${PYTHON:-python3}

missing=()
command -v pg_isready >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
# Debian's Chromium for the browser tests; Playwright's own browser download is never used.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# Reinstall only when the set asked for or a requirements file changed since the last install.
stamp=.venv/.requirements-$(basename "$REQUIREMENTS" .txt)-$(cat requirements/*.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    rm -f .venv/.requirements-*
    touch "$stamp"
fi
