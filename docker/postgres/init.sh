#!/usr/bin/env bash
# First start of the PostgreSQL container (/docker-entrypoint-initdb.d): the four EMS databases,
# one migration role that owns them, and one login role per database for the processes.
#
#   <prefix>_migrator      owns users, devices, monitoring, chat; runs `manage.py setup_databases`
#                          (the one-shot `migrate` service) and nothing else.
#   <prefix>_<db>_app      CONNECT on its own database only, and SELECT/INSERT/UPDATE/DELETE on the
#                          tables the migrator creates there; no DDL, no other database.
#   <prefix>_monitoring_maintainer
#                          CONNECT on the monitoring database only; its sessions there act as
#                          the migrator (ALTER ROLE ... IN DATABASE ... SET role), so it can make
#                          and drop the readings' monthly partitions (beat's retention task, run
#                          by the worker-maintenance service). NOINHERIT: the migrator's CONNECT
#                          on the other databases is not its own, so it cannot open them.
#   ems_users_reader       CONNECT on the users database and, once migrated, SELECT on the columns
#                          of an account summary only (apps/users/db_roles.py): the devices API
#                          checks an owner with it when a meter is assigned.
#
# Passwords come from the environment (docker/compose.yaml); nothing is stored in this file.
set -euo pipefail

PREFIX=${EMS_DB_PREFIX:-ems}
: "${EMS_MIGRATOR_PASSWORD:?}" "${USERS_DB_PASSWORD:?}" "${DEVICES_DB_PASSWORD:?}"
: "${MONITORING_DB_PASSWORD:?}" "${CHAT_DB_PASSWORD:?}" "${USERS_READER_DB_PASSWORD:?}"
: "${MONITORING_MAINTAINER_DB_PASSWORD:?}"

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

"${psql[@]}" --dbname postgres -v role="${PREFIX}_monitoring_maintainer" \
    -v migrator="${PREFIX}_migrator" -v database="${PREFIX}_monitoring" \
    -v password="$MONITORING_MAINTAINER_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN NOINHERIT PASSWORD :'password' IN ROLE :"migrator";
GRANT CONNECT ON DATABASE :"database" TO :"role";
ALTER ROLE :"role" IN DATABASE :"database" SET role = :'migrator';
SQL
echo "role ${PREFIX}_monitoring_maintainer: the migrator's rights in ${PREFIX}_monitoring only"

# The users migration 0003 grants this role its columns when it finds the role.
"${psql[@]}" --dbname "${PREFIX}_users" -v password="$USERS_READER_DB_PASSWORD" <<'SQL'
CREATE ROLE ems_users_reader LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"DBNAME" TO ems_users_reader;
GRANT USAGE ON SCHEMA public TO ems_users_reader;
SQL
echo "role ems_users_reader: account summaries of ${PREFIX}_users, read only"
