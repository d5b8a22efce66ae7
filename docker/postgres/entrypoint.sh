#!/usr/bin/env bash
# First start on an empty PGDATA: initdb with the superuser's password, run
# /docker-entrypoint-initdb.d/*.sh against a server that listens on its socket only, then start
# the server for real. Later starts only start it. The same contract as the official image.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
superuser=${POSTGRES_USER:-postgres}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    initdb --pgdata="$PGDATA" --username="$superuser" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >/dev/null
    # Other containers connect over the compose network, always with a password.
    printf '%s\n' "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    pg_ctl --pgdata="$PGDATA" --wait --silent -o "-c listen_addresses=''" start
    for script in /docker-entrypoint-initdb.d/*.sh; do
        [ -e "$script" ] || continue
        echo "entrypoint: running $script"
        POSTGRES_USER=$superuser bash "$script"
    done
    pg_ctl --pgdata="$PGDATA" --wait --silent --mode=fast stop
    echo "entrypoint: initialised $PGDATA"
fi

if [ "${1:-}" = postgres ]; then
    shift
    exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
