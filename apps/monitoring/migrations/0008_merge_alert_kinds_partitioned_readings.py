# Two migrations numbered 0007 were made on parallel branches (alert kinds, partitioned
# readings); they touch different tables, so either order is right.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0007_alert_kinds"),
        ("monitoring", "0007_partitioned_readings"),
    ]

    operations = []
