#!/usr/bin/env bash
# The base every image of docker/ builds FROM when no registry can be reached: Debian bookworm
# (minbase) made with debootstrap from the Debian archive and imported, as the official Debian
# images are made. Made once per machine: an existing image is kept (the engine is the cache).
#   scripts/deploy/base-image.sh [NAME]        default: ems-base:bookworm
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
NAME=${1:-${EMS_BASE_IMAGE:-ems-base:bookworm}}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if "$DOCKER" image inspect "$NAME" >/dev/null 2>&1; then
    echo "base: $NAME present"
    exit 0
fi
command -v debootstrap >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}
root=$(mktemp -d /var/tmp/ems-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base: debootstrap bookworm from $MIRROR (about 90 s)"
started=$SECONDS
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2
    exit 1
}
rm -f "$root.log"
# What the official image carries: the three suites, no recommends, no caches, no docs.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$root/etc/apt/apt.conf.d/docker-minimal" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-minimal" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log "$root"/tmp/*
tar --numeric-owner -C "$root" -c . | "$DOCKER" import \
    --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$NAME" >/dev/null
echo "base: $NAME made in $((SECONDS - started)) s"
