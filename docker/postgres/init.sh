#!/usr/bin/env bash
# First start of the PostgreSQL container (/docker-entrypoint-initdb.d): the four EMS databases,
# one migration role that owns them, and one login role per database for the processes.
#
#   <prefix>_migrator      owns users, devices, monitoring, chat; runs `manage.py setup_databases`
#                          (the one-shot `migrate` service) and nothing else.
#   <prefix>_<db>_app      CONNECT on its own database only, and SELECT/INSERT/UPDATE/DELETE on the
#                          tables the migrator creates there; no DDL, no other database.
#
# Passwords come from the environment (docker/compose.yaml); nothing is stored in this file.
set -euo pipefail

PREFIX=${EMS_DB_PREFIX:-ems}
: "${EMS_MIGRATOR_PASSWORD:?}" "${USERS_DB_PASSWORD:?}" "${DEVICES_DB_PASSWORD:?}"
: "${MONITORING_DB_PASSWORD:?}" "${CHAT_DB_PASSWORD:?}"

psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}")

"${psql[@]}" --dbname postgres \
    -v role="${PREFIX}_migrator" -v password="$EMS_MIGRATOR_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
SQL

for database in users devices monitoring chat; do
    variable="${database^^}_DB_PASSWORD"
    "${psql[@]}" --dbname postgres \
        -v database="${PREFIX}_${database}" -v app="${PREFIX}_${database}_app" \
        -v migrator="${PREFIX}_migrator" -v password="${!variable}" <<'SQL'
CREATE ROLE :"app" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"migrator";
-- Nobody but the owner and the database's own role may connect.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app";
SQL
    "${psql[@]}" --dbname "${PREFIX}_${database}" \
        -v app="${PREFIX}_${database}_app" -v migrator="${PREFIX}_migrator" <<'SQL'
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
-- Every table and sequence the migrator creates later is usable, not alterable, by the app.
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL
    echo "database ${PREFIX}_${database}: owner ${PREFIX}_migrator, app role ${PREFIX}_${database}_app"
done
