"""The read-only database role other processes use to read account summaries (users database).

The devices API checks an owner when a device is assigned (apps/devices/services.py); in the
deployment it reads the users database as `ems_users_reader`, which may read only the columns
of an account summary (selectors.AccountSummary): never the password hash or the email.
"""

READER_ROLE = "ems_users_reader"
SUMMARY_COLUMNS = ("id", "username", "name", "role", "is_active")

# Idempotent, and a no-op where the role does not exist (development and tests create none;
# docker/postgres/init.sh does).
GRANT_SUMMARY_COLUMNS_SQL = f"""
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
        GRANT SELECT ({", ".join(SUMMARY_COLUMNS)}) ON users_user TO {READER_ROLE};
    END IF;
END
$$;
"""
