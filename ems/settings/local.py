"""Local development and the one-command demo: debug on, development keys from defaults."""

import os

# Development-only secrets, so the demo runs without configuration; production refuses these.
os.environ.setdefault("DJANGO_SECRET_KEY", "local-dev-secret-key-not-for-production")
os.environ.setdefault("JWT_SIGNING_KEY", "local-dev-jwt-signing-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: F403

# Serve static files straight from the source folders while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Mails are printed, not sent, unless EMAIL_URL names a server.
if "EMAIL_URL" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
