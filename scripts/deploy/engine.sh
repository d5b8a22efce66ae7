#!/usr/bin/env bash
# A Docker engine for `make test-deploy` and `make backup`: Debian's docker.io installed if
# missing, dockerd started in the background (its own log) if nothing answers on its socket.
# An engine that already runs is used as it is, never restarted.
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/ems-dockerd.log}

if [ ! -x "$DOCKER" ] || ! command -v dockerd >/dev/null; then
    echo "engine: installing Debian's docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
    if [ -n "${DOCKER_HOST:-}" ]; then
        echo "engine: DOCKER_HOST=$DOCKER_HOST does not answer" >&2
        exit 1
    fi
    echo "engine: starting dockerd (log: $DOCKERD_LOG)"
    # setsid: the engine outlives this script and is not in its process group.
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    for _ in $(seq 60); do
        "$DOCKER" info >/dev/null 2>&1 && break
        sleep 1
    done
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
    echo "engine: dockerd does not answer; last lines of $DOCKERD_LOG:" >&2
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    exit 1
fi
echo "engine: $("$DOCKER" version --format 'Docker {{.Server.Version}}') ($("$DOCKER" info --format '{{.Driver}}, {{.CgroupDriver}}'))"
