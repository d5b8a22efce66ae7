"""WSGI entry point for gunicorn (the HTTP API and web processes)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ems.settings.local")

application = get_wsgi_application()

from .checks import refuse_to_start_if_insecure  # noqa: E402  (needs the apps loaded)

refuse_to_start_if_insecure()
