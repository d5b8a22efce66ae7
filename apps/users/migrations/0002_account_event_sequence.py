from django.db import migrations


class Migration(migrations.Migration):
    """A sequence that orders the account events, so receivers can ignore stale ones."""

    dependencies = [("users", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS users_account_event_seq",
            reverse_sql="DROP SEQUENCE IF EXISTS users_account_event_seq",
        ),
    ]
