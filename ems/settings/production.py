"""Production: every secret from the environment, HTTPS only, hardened cookies and headers."""

from .base import *  # noqa: F403
from .base import LOGGING, env

DEBUG = False
# ems/checks.py: refuse to start with a short, development or example key, one key for both
# purposes, or ALLOWED_HOSTS=*.
EMS_REFUSE_WEAK_SECRETS = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Whose X-Forwarded-Proto/-For to believe (ems/proxies.py): the reverse proxy's addresses,
# networks or host names. Empty: every peer's, as Django does (a process reachable only through
# the proxy). docker/compose.yaml names its proxy service.
EMS_TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
if EMS_TRUSTED_PROXIES:
    MIDDLEWARE = ["ems.proxies.TrustedProxyMiddleware", *MIDDLEWARE]  # noqa: F405
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")}}
