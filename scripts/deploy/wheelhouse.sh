#!/usr/bin/env bash
# Wheels of requirements/production.txt built on this host (pip inside a container cannot verify
# the package index's certificate here), cached per machine by the requirements' hash and copied
# into docker/wheels/, where docker/Dockerfile installs from them with no index.
# Built by Debian's python3 (bookworm's 3.11.2, the image's interpreter), not the venv's: markers
# such as redis's `async-timeout; python_full_version < "3.11.3"` must be decided for the image.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE=${EMS_DEPLOY_CACHE:-/var/cache/ems-deploy}
python=/usr/bin/python3
if ! "$python" -m pip --version >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
fi
hash=$( (cat requirements/base.txt requirements/production.txt; "$python" --version) | sha256sum | cut -c1-16)
wheels="$CACHE/wheels-$hash"
if [ ! -f "$wheels/.complete" ]; then
    echo "wheels: building the wheelhouse of requirements/production.txt ($hash)"
    rm -rf "$wheels"
    mkdir -p "$wheels"
    "$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$wheels" \
        -r requirements/production.txt 2> >(grep -v "^WARNING: Location" >&2)
    touch "$wheels/.complete"
    # Older wheelhouses are of requirements no longer pinned.
    find "$CACHE" -maxdepth 1 -name 'wheels-*' ! -name "wheels-$hash" -exec rm -rf {} +
fi
rm -f docker/wheels/*.whl
cp "$wheels"/*.whl docker/wheels/
echo "wheels: $(ls docker/wheels/*.whl | wc -l) wheels in docker/wheels ($hash)"
