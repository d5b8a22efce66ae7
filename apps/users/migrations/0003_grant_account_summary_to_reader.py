from django.db import migrations

from apps.users.db_roles import GRANT_SUMMARY_COLUMNS_SQL


class Migration(migrations.Migration):
    """Let the read-only role of other processes read account summaries, nothing more."""

    dependencies = [("users", "0002_account_event_sequence")]

    operations = [migrations.RunSQL(GRANT_SUMMARY_COLUMNS_SQL, reverse_sql=migrations.RunSQL.noop)]
