#!/usr/bin/env bash
# `make backup`: pg_dump of each of the four databases of the running stack (custom format, as
# the superuser inside the postgres container) into backups/<UTC date and time>/<database>.dump.
# The last line printed is the folder. Restore with `make restore BACKUP=<folder>`.
set -euo pipefail
cd "$(dirname "$0")/.."

compose=scripts/deploy/compose.sh
folder=${EMS_BACKUP_DIR:-backups}/$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$folder"
for database in ems_users ems_devices ems_monitoring ems_chat; do
    "$compose" exec -T postgres pg_dump --username postgres --format custom --dbname "$database" \
        >"$folder/$database.dump.partial"
    mv "$folder/$database.dump.partial" "$folder/$database.dump"
    echo "backup: $database $(du -h "$folder/$database.dump" | cut -f1)" >&2
done
echo "$folder"
