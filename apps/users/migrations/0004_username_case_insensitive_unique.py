"""Usernames unique whatever their case (`Alice` and `alice` cannot both exist).

Existing accounts whose names differ only in case stop the migration with a list of them, to be
renamed (or merged) by an administrator first: a unique index would otherwise fail with a bare
IntegrityError, and picking a winner automatically could hand one person's name to another.
"""

import django.db.models.functions.text
from django.db import migrations, models


class UsernameCollisions(Exception):
    """Accounts share a username up to case; the message lists them."""


def collisions_message(rows) -> str:
    """rows: (lower-case name, [(id, username), ...]) for every name held more than once."""
    lines = [
        f"  {name}: " + ", ".join(f"{username!r} (id {user_id})" for user_id, username in accounts)
        for name, accounts in rows
    ]
    return (
        "Usernames must be unique whatever their case, and these accounts differ only in case:\n"
        + "\n".join(lines)
        + "\nRename all but one of each (Django admin, Accounts: the username field), then "
        "migrate again."
    )


def refuse_collisions(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(username), array_agg(id ORDER BY id), array_agg(username ORDER BY id) "
            "FROM users_user GROUP BY lower(username) HAVING count(*) > 1 ORDER BY 1"
        )
        rows = [(name, list(zip(ids, names))) for name, ids, names in cursor.fetchall()]
    if rows:
        raise UsernameCollisions(collisions_message(rows))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("users", "0003_grant_account_summary_to_reader"),
    ]

    operations = [
        migrations.RunPython(refuse_collisions, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="users_user_username_case_insensitive_unique",
                violation_error_message="A user with that username already exists.",
            ),
        ),
    ]
