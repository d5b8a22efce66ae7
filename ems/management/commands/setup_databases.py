"""Create any missing database of the four on its PostgreSQL server, then migrate each one."""

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from psycopg import sql


def _ensure_database(database: dict) -> bool:
    """Create the database if it does not exist; True if it was created."""
    maintenance = psycopg.connect(
        dbname="postgres",
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        autocommit=True,
    )
    with maintenance:
        exists = maintenance.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone()
        if exists:
            return False
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
        return True


class Command(BaseCommand):
    help = "Create the users, devices, monitoring and chat databases if missing, and migrate them."

    def handle(self, *args, **options):
        for alias, database in settings.DATABASES.items():
            created = _ensure_database(database)
            state = "created" if created else "exists"
            self.stdout.write(f"database {alias}: {database['NAME']} ({state})")
        for alias in settings.DATABASES:
            call_command("migrate", database=alias, interactive=False, verbosity=0)
            self.stdout.write(self.style.SUCCESS(f"database {alias}: migrated"))
