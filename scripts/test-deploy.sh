#!/usr/bin/env bash
# `make test-deploy`: docker/compose.yaml booted for real on this machine and checked from
# outside, through the proxy only (scripts/deploy/e2e.py), then torn down with its volumes.
#   engine (Debian's docker.io, dockerd started if none answers) -> base image (debootstrap, once
#   per machine) -> wheelhouse (per requirements hash) -> images -> compose up --wait -> e2e
#   checks (smoke, TLS, isolation, scale, faults, backup/restore) -> compose down -v.
# Publishes only the proxy, on 127.0.0.1 and spare ports (EMS_TEST_HTTPS_PORT, EMS_TEST_HTTP_PORT,
# default 8443 and 8080, another free one if taken). Last line: `deploy: N passed, M failed`.
# Docker that cannot work here is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
repository=$(pwd)

started=$SECONDS
export DOCKER=${DOCKER:-/usr/bin/docker}
project=${EMS_TEST_PROJECT:-ems-test-deploy}
work=$(mktemp -d /tmp/ems-test-deploy.XXXXXX)
passed=0
failed=0

step() {  # step NAME COMMAND...: one counted setup step; stops the run when it fails
    local name=$1 begun=$SECONDS
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name ($((SECONDS - begun)) s)"
    else
        failed=$((failed + 1))
        echo "FAIL $name ($((SECONDS - begun)) s)"
        finish
    fi
}

compose() { scripts/deploy/compose.sh "$@"; }
quietly() {  # quietly COMMAND...: its output only if it fails
    "$@" >"$work/output.log" 2>&1 || { tail -n 40 "$work/output.log"; return 1; }
}

teardown() {
    if "$DOCKER" info >/dev/null 2>&1; then
        compose down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1 || true
    fi
}

finish() {
    if [ "$failed" -gt 0 ] && "$DOCKER" info >/dev/null 2>&1; then
        echo "--- state at failure"
        compose ps --all 2>&1 | tail -n 30
        for name in $("$DOCKER" ps --all --filter "label=com.docker.compose.project=$project" \
            --format '{{.Names}}'); do
            state=$("$DOCKER" inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")
            case "$state" in
                "running healthy" | "exited "*) ;;
                *) echo "--- $name ($state)"; "$DOCKER" logs --tail 30 "$name" 2>&1 ;;
            esac
        done
    fi
    teardown
    rm -rf "$work"
    echo "test-deploy took $((SECONDS - started)) s"
    echo "deploy: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
trap 'failed=$((failed + 1)); echo "interrupted"; finish' INT TERM

free_port() {  # free_port PREFERRED: it if nothing listens there, else a free one
    .venv/bin/python - "$1" <<'PY'
import socket, sys
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]
print(free(int(sys.argv[1])) or free(0))
PY
}

settings() {
    # Hex: a value starting with "-" (1 in 64 of token_urlsafe's) was read as an option.
    secret() { .venv/bin/python -c "import secrets; print(secrets.token_hex(32))"; }
    https_port=$(free_port "${EMS_TEST_HTTPS_PORT:-8443}")
    http_port=$(free_port "${EMS_TEST_HTTP_PORT:-8080}")
    admin_password=$(secret)
    mkdir -p "$work/tls"
    command -v openssl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$work/tls/privkey.pem" -out "$work/tls/fullchain.pem" 2>/dev/null || return 1
    # nginx runs as www-data in its container: the mounted key must be readable by it.
    chmod 0644 "$work/tls/privkey.pem"
    cat >"$work/env" <<ENV
EMS_HOSTNAME=localhost
DJANGO_SECRET_KEY=$(secret)
JWT_SIGNING_KEY=$(secret)
POSTGRES_PASSWORD=$(secret)
EMS_MIGRATOR_PASSWORD=$(secret)
USERS_DB_PASSWORD=$(secret)
DEVICES_DB_PASSWORD=$(secret)
MONITORING_DB_PASSWORD=$(secret)
CHAT_DB_PASSWORD=$(secret)
USERS_READER_DB_PASSWORD=$(secret)
MONITORING_MAINTAINER_DB_PASSWORD=$(secret)
REDIS_PASSWORD=$(secret)
EMS_HTTPS_PORT=$https_port
EMS_HTTP_PORT=$http_port
EMS_PUBLISH_ADDRESS=127.0.0.1
EMS_TLS_DIR=$work/tls
EMS_BASE_IMAGE=${EMS_BASE_IMAGE:-ems-base:bookworm}
ENV
    set -a
    # shellcheck disable=SC1091
    . "$work/env"
    set +a
    export EMS_COMPOSE=".venv/bin/docker-compose -f $repository/docker/compose.yaml -p $project"
    # A service that never becomes healthy fails the run instead of hanging it.
    export EMS_UP_ARGS="--no-build --wait-timeout 600" EMS_BACKUP_DIR="$work/backups"
    echo "     proxy on https://localhost:$https_port and http://localhost:$http_port"
}

[ -x .venv/bin/python ] || scripts/bootstrap.sh requirements/dev.txt
step "engine: Docker answers" scripts/deploy/engine.sh
teardown  # a stack left by an interrupted run
step "base image: ${EMS_BASE_IMAGE:-ems-base:bookworm}" scripts/deploy/base-image.sh
step "wheelhouse of requirements/production.txt" scripts/deploy/wheelhouse.sh
step "images: ems, postgres, redis, proxy" scripts/deploy/images.sh
step "settings: secrets, ports, self-signed certificate" settings
step "boot: compose up --wait (one of each service)" quietly compose up -d --wait $EMS_UP_ARGS
step "an administrator account (createsuperuser in the migrate image)" quietly compose run --rm \
    -e DJANGO_SUPERUSER_USERNAME=admin -e DJANGO_SUPERUSER_PASSWORD="$admin_password" \
    -e DJANGO_SUPERUSER_NAME="Deploy Admin" -e DJANGO_SUPERUSER_EMAIL=admin@example.org \
    migrate python manage.py createsuperuser --noinput

.venv/bin/python scripts/deploy/e2e.py --https-port "$https_port" --http-port "$http_port" \
    --cafile "$work/tls/fullchain.pem" --project "$project" --compose "$EMS_COMPOSE" \
    --docker "$DOCKER" --admin-password="$admin_password" \
    --backup-script scripts/backup.sh --restore-script scripts/restore.sh \
    --results "${EMS_TEST_DEPLOY_RESULTS:-$work/measured.json}" | tee "$work/e2e.log"
counts=$(tail -n 1 "$work/e2e.log")
if [[ $counts =~ ^e2e:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
else
    echo "FAIL e2e.py ended without its counts"
    failed=$((failed + 1))
fi
finish
