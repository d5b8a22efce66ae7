"""The words the apps share: account roles and meter kinds, defined once for all of them.

Each app stores these values in its own database and sends them in its events (an account's
`role` reaches devices and chat, a meter's `meter_kind` reaches monitoring), so the apps must
agree on them without importing each other's models: they all import them from here.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    CLIENT = "client", "Client"


class MeterKind(models.TextChoices):
    INDEX = "index", "Cumulative index (kWh register)"
    INTERVAL = "interval", "Energy per interval"
