#!/usr/bin/env bash
# `make restore BACKUP=backups/<date>`: into a fresh stack (new volumes: `compose down -v` first,
# or another host). Starts PostgreSQL alone, whose first start creates the four empty databases
# and their roles (docker/postgres/init.sh), restores each dump into its database, then starts
# the whole stack (the migrate service finds nothing to do on a dump of the same release).
# Refuses a database that already holds tables: it never overwrites data.
set -euo pipefail
cd "$(dirname "$0")/.."

folder=${1:?usage: scripts/restore.sh BACKUP_FOLDER}
compose=scripts/deploy/compose.sh
for database in ems_users ems_devices ems_monitoring ems_chat; do
    [ -s "$folder/$database.dump" ] || { echo "restore: $folder/$database.dump missing" >&2; exit 1; }
done

# shellcheck disable=SC2086
"$compose" up -d --wait ${EMS_UP_ARGS:-} postgres
for database in ems_users ems_devices ems_monitoring ems_chat; do
    tables=$("$compose" exec -T postgres psql --no-psqlrc -At --username postgres \
        --dbname "$database" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    if [ "$tables" != 0 ]; then
        echo "restore: $database already holds $tables tables; restore into a fresh stack" >&2
        exit 1
    fi
    "$compose" exec -T postgres pg_restore --username postgres --dbname "$database" \
        --exit-on-error <"$folder/$database.dump"
    echo "restore: $database restored from $folder"
done
# shellcheck disable=SC2086
"$compose" up -d --wait ${EMS_UP_ARGS:-}
