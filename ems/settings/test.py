"""Settings for the test suite: real PostgreSQL and Redis, fast password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault("JWT_SIGNING_KEY", "test-jwt-signing-key-0123456789abcdef")

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, STORAGES

# Argon2 on every fixture user would dominate the suite's run time; one test checks that the
# production hasher list puts Argon2 first (tests/users/test_passwords.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests use the source files directly; no collectstatic manifest is needed.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}

# Static files are served from the source folders; there is no collectstatic output in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# No pool in the suite's own process: a connection per request and task, closed after it, so the
# in-thread Celery workers and socket tests never wait on a pool and nothing holds the test
# databases when they are dropped. The deployed processes' pool is tested through real
# subprocesses (tests/deploy/test_database_connections.py).
for _database in DATABASES.values():  # noqa: F405
    _database["CONN_MAX_AGE"] = 0
    _database.get("OPTIONS", {}).pop("pool", None)

# Tests register many accounts from one address; tests/users/test_registration_throttle.py sets
# a low rate where the limit is the point.
EMS_REGISTRATION_RATE = "10000/minute"
# Every test signs in from 127.0.0.1 and the count lives in Redis across tests;
# tests/users/test_lockout.py sets a low limit where the limit is the point.
EMS_SIGN_IN_FAILURES_PER_ADDRESS = 100000

# The suite never shares state with a running demo (`make run`: Redis database 0, databases
# ems_*): its own Redis database (broker queues, channel layer, cache) and its own database
# names. Two checkouts can run their suites at once with different values of these variables.
REDIS_URL = os.environ.get("EMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
CELERY_BROKER_URL = REDIS_URL
CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL}}  # noqa: F405
CHANNEL_LAYERS = {
    "default": {
        **CHANNEL_LAYERS["default"],  # noqa: F405
        "CONFIG": {
            **CHANNEL_LAYERS["default"]["CONFIG"],  # noqa: F405
            "hosts": [channel_layer_host(REDIS_URL)],  # noqa: F405
        },
    }
}
_TEST_DATABASE_PREFIX = os.environ.get("EMS_TEST_DATABASE_PREFIX", "test_")
for _database in DATABASES.values():  # noqa: F405
    _database["TEST"] = {
        **_database.get("TEST", {}),
        "NAME": _TEST_DATABASE_PREFIX + _database["NAME"],
    }
