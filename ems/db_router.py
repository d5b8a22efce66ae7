"""Routes every model to its app's database: one table of app label -> database alias.

Relations never cross databases: a reference to another app's row is a plain indexed column
(for example `Device.owner_id`), not a foreign key (docs/architecture.md, "Databases").
"""

DATABASE_FOR_APP = {
    # The users database is `default`; Django's own apps and the auth add-ons live there.
    "users": "default",
    "auth": "default",
    "contenttypes": "default",
    "admin": "default",
    "sessions": "default",
    "token_blacklist": "default",
    "axes": "default",
    "devices": "devices",
    "monitoring": "monitoring",
    "chat": "chat",
}


def database_for(app_label: str) -> str:
    return DATABASE_FOR_APP.get(app_label, "default")


class AppDatabaseRouter:
    def db_for_read(self, model, **hints):
        return database_for(model._meta.app_label)

    def db_for_write(self, model, **hints):
        return database_for(model._meta.app_label)

    def allow_relation(self, obj1, obj2, **hints):
        return database_for(obj1._meta.app_label) == database_for(obj2._meta.app_label)

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return database_for(app_label) == db
