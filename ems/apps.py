"""The project package as an app, so it can hold project-wide management commands."""

from django.apps import AppConfig


class EmsConfig(AppConfig):
    name = "ems"
    verbose_name = "EMS"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production secrets check)
