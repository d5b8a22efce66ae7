"""The EMS project package: settings, URL and ASGI routing, the database router, Celery."""

from .celery import app as celery_app

__all__ = ["celery_app"]
