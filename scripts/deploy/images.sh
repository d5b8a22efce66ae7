#!/usr/bin/env bash
# Builds the four images of docker/compose.yaml with BuildKit (Debian's docker CLI; compose's
# own builder is the classic one and slower) on EMS_BASE_IMAGE, from docker/wheels/ only.
# Names and tags are compose's defaults, so `compose up --no-build` runs exactly these.
set -euo pipefail
cd "$(dirname "$0")/../.."

DOCKER=${DOCKER:-/usr/bin/docker}
BASE=${EMS_BASE_IMAGE:-ems-base:bookworm}
build=(env DOCKER_BUILDKIT=1 "$DOCKER" build --quiet --label ems.deploy=1 --build-arg "BASE_IMAGE=$BASE")

started=$SECONDS
"${build[@]}" --build-arg PIP_NO_INDEX=1 -f docker/Dockerfile -t "${EMS_IMAGE:-ems:latest}" . >/dev/null
"${build[@]}" -t "${EMS_POSTGRES_IMAGE:-ems-postgres:15}" docker/postgres >/dev/null
"${build[@]}" -t "${EMS_REDIS_IMAGE:-ems-redis:7}" docker/redis >/dev/null
"${build[@]}" -t "${EMS_PROXY_IMAGE:-ems-proxy:latest}" docker/nginx >/dev/null
# The images these replaced (untagged now), and only those: the engine may hold others' images.
"$DOCKER" image prune --force --filter label=ems.deploy=1 >/dev/null
echo "images: built on $BASE in $((SECONDS - started)) s"
