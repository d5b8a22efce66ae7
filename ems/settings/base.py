"""Settings shared by every environment; everything that differs comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from ems.processes import process_role

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; production passes real environment variables.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Production sets it: weak keys or a wildcard host are then errors that stop every process.
EMS_REFUSE_WEAK_SECRETS = False

# Which part of the system this process serves: its role in ems/processes.py decides its
# databases (checked by /readyz), routes, middleware and protocols (docs/deployment.md, "Roles").
EMS_PROCESS = env("EMS_PROCESS", default="all")
EMS_PROCESS_ROLE = process_role(EMS_PROCESS)
EMS_PROCESS_DATABASES = list(EMS_PROCESS_ROLE.databases)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "channels",
    "ems",
    "apps.users",
    "apps.devices",
    "apps.monitoring",
    "apps.chat",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: every answer, static files and error pages included (ems/csp.py).
    "ems.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the query: PostgreSQL cannot take a NUL (ems/middleware.py).
    "ems.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ems.urls"
WSGI_APPLICATION = "ems.wsgi.application"
ASGI_APPLICATION = "ems.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# One PostgreSQL database per app; ems.db_router picks the alias by app label.
# `default` is the users database (auth, sessions, admin log, token blacklist, axes).
_POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASES = {
    "default": env.db("USERS_DATABASE_URL", default=f"{_POSTGRES}/ems_users"),
    "devices": env.db("DEVICES_DATABASE_URL", default=f"{_POSTGRES}/ems_devices"),
    "monitoring": env.db("MONITORING_DATABASE_URL", default=f"{_POSTGRES}/ems_monitoring"),
    "chat": env.db("CHAT_DATABASE_URL", default=f"{_POSTGRES}/ems_chat"),
}
# Connections: one bounded psycopg pool per process and database (docs/deployment.md, "Database
# connections"). Django's persistent connections are kept per thread, and daphne runs every
# request in a thread of its own: they would leak one connection per concurrent request. A
# request or task takes a connection from the pool and gives it back when it ends.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=4)
DATABASE_POOL = {
    "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=0),
    "max_size": DATABASE_POOL_MAX_SIZE,
    # Seconds a request waits for a free connection before it fails (an error, not a hang).
    "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    # Connections above min_size idle this long are closed.
    "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=300.0),
}
# A transaction left idle this long is ended by PostgreSQL: a frozen process (a worker stopped
# while it holds an inbox batch, and so that batch's meters) cannot hold rows for ever.
DATABASE_IDLE_IN_TRANSACTION_SECONDS = env.int("DATABASE_IDLE_IN_TRANSACTION_SECONDS", default=60)
# No JIT compilation: every statement here takes milliseconds, and the planner's estimates for
# generate_series (1,000 rows for 12 months) made PostgreSQL compile a year-by-month report for
# 0.8 s that runs in 1 ms, and the ingestion's recompute for 84 ms that runs in 25 (measured).
for _database in DATABASES.values():
    _database["OPTIONS"] = {
        **_database.get("OPTIONS", {}),
        "options": "-c jit=off -c idle_in_transaction_session_timeout="
        f"{DATABASE_IDLE_IN_TRANSACTION_SECONDS * 1000}",
    }
    # The pool keeps the connections; Django must hand each back at the end of a request (0).
    _database["CONN_MAX_AGE"] = 0
    # The pool checks a connection before handing it out, so a restarted PostgreSQL heals.
    _database["CONN_HEALTH_CHECKS"] = True
    # Statements sent with their parameters apart (ems/db.bound_cursor) are prepared, once per
    # connection. Not without the pool (None, Django's default): behind PgBouncer before 1.21,
    # pooling transactions, a statement would run on a connection that never prepared it.
    _database["OPTIONS"] = {
        **_database.get("OPTIONS", {}),
        "prepare_threshold": 5 if DATABASE_POOL_MAX_SIZE > 0 else None,
    }
    if DATABASE_POOL_MAX_SIZE > 0:
        # 0 turns the pool off: a new connection per request (behind PgBouncer, for example).
        _database["OPTIONS"] = {**_database.get("OPTIONS", {}), "pool": dict(DATABASE_POOL)}
for _alias in ("devices", "monitoring", "chat"):
    # The databases are independent: a test may ask for one of them without `default`.
    DATABASES[_alias]["TEST"] = {"DEPENDENCIES": []}
DATABASE_ROUTERS = ["ems.db_router.AppDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # A locked-out (username, address), then an address that failed too often, are refused before
    # the password is checked (apps/users/lockout.py).
    "axes.backends.AxesStandaloneBackend",
    "apps.users.backends.AddressThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# A 24-hour clock and ISO dates in the pages and the admin (ems/formats/en/formats.py).
FORMAT_MODULE_PATH = ["ems.formats"]
# The time zone a new account gets when it names none (an IANA name).
EMS_DEFAULT_USER_TIMEZONE = env("EMS_DEFAULT_USER_TIMEZONE", default="Europe/Bucharest")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Stateless: the user comes from the JWT's claims, never from the users database, so every
    # API process can run without it (docs/architecture.md, "Authentication").
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ems.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser, answering 400 (not a RecursionError's 500) to a too deeply nested body.
    "DEFAULT_PARSER_CLASSES": ["ems.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "ems.schema.AutoSchema",
    "EXCEPTION_HANDLER": "ems.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # How many reverse proxies stand in front (docker/: nginx, 1): throttles then count the
    # client's address from X-Forwarded-For instead of the proxy's.
    "NUM_PROXIES": env.int("DRF_NUM_PROXIES", default=0),
}
# Self-registrations per client address (apps/users/api/throttles.py).
EMS_REGISTRATION_RATE = env("EMS_REGISTRATION_RATE", default="20/hour")
# Shared by every process and worker of a deployment (throttle counters, for one).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_REDIS_URL", default=REDIS_URL),
        "KEY_PREFIX": "ems",
    }
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EMS API",
    "DESCRIPTION": "Energy Management System: accounts, meters, consumption, alerts and chat.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # The docs page's assets come from the sidecar package: no CDN, the servers are offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Descriptions, examples and the errors of every operation (ems/api_docs.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ems.api_docs.document_operations",
    ],
}

# --- JWT --------------------------------------------------------------------------------------
# Access tokens are short-lived because other processes trust them without a database lookup:
# a role change or deactivation reaches them at the latest when the access token expires.
_ACCESS_MINUTES = min(env.int("JWT_ACCESS_TOKEN_MINUTES", default=15), 15)
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("JWT_SIGNING_KEY"),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_USER_CLASS": "ems.authentication.TokenUser",
    "LEEWAY": 0,
}

# --- Brute-force protection (django-axes) ----------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock a username for one client address only: five wrong passwords from anywhere would otherwise
# lock anyone out, the administrator included. The address is the one the throttles use
# (X-Forwarded-For only from the DRF_NUM_PROXIES trusted proxies).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "apps.users.lockout.client_address"
# Failed sign-ins per client address, across usernames, before its sign-ins are refused for
# AXES_COOLOFF_TIME (password spraying); generous, as an office behind one NAT shares it.
EMS_SIGN_IN_FAILURES_PER_ADDRESS = env.int("EMS_SIGN_IN_FAILURES_PER_ADDRESS", default=30)
SILENCED_SYSTEM_CHECKS: list[str] = []
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.users.lockout.lockout_response"
AXES_VERBOSE = True

# --- Channels ---------------------------------------------------------------------------------
# Daphne logs each garbage collection that holds its event loop at least this many milliseconds
# (logger `ems.gc`; 0: off): what a socket's latency outliers are made of (docs/benchmarks.md).
EMS_LOG_GC_PAUSES_MS = env.float("EMS_LOG_GC_PAUSES_MS", default=0.0)
# Allocations between two collections of the youngest generation in daphne (ems/asgi.py); 0
# keeps CPython's 700.
EMS_GC_YOUNG_THRESHOLD = env.int("EMS_GC_YOUNG_THRESHOLD", default=50_000)
# channels-redis waits for a socket's next message with a blocking pop of up to 5 s, while
# redis-py (since 8) gives up on any read after 5 s (its default socket_timeout): the two race,
# and an idle socket's application died with "Timeout reading from ..." and the browser was
# disconnected every few seconds. The channel layer's reads may take longer than that pop; a
# Redis that stops answering is still noticed, after this many seconds.
CHANNEL_LAYER_REDIS_URL = env("CHANNEL_LAYER_REDIS_URL", default=REDIS_URL)
CHANNEL_LAYER_SOCKET_TIMEOUT = env.float("CHANNEL_LAYER_SOCKET_TIMEOUT", default=30.0)
# Messages waiting for one socket before the channel layer drops the newest ones, silently
# (channels-redis' default is 100). An administrator's socket receives every alert and chat
# message: at 70 a second it was more than 100 behind after a 1.5 s stall of daphne (a full
# garbage collection, a busy machine) and lost 200 alerts and 5 chat messages in 20 s
# (bench/sockets.py). Pending messages still expire after a minute.
CHANNEL_LAYER_CAPACITY = env.int("CHANNEL_LAYER_CAPACITY", default=2000)


if CHANNEL_LAYER_SOCKET_TIMEOUT <= 5:
    raise ImproperlyConfigured(
        "CHANNEL_LAYER_SOCKET_TIMEOUT must be more than 5 (seconds): channels-redis waits up to "
        "5 s for a socket's next message, and a shorter read timeout drops idle sockets."
    )


def channel_layer_host(url: str) -> dict:
    """channels-redis' description of one Redis host: its URL and the connection's timeouts."""
    return {"address": url, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}


CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "ems.realtime.layer.RedisChannelLayer",
        "CONFIG": {
            "hosts": [channel_layer_host(CHANNEL_LAYER_REDIS_URL)],
            "capacity": CHANNEL_LAYER_CAPACITY,
        },
    },
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# At-least-once delivery: a task is acknowledged after it ran, and redelivered if the worker
# dies mid-task; the tasks are idempotent so a redelivery cannot count anything twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task may run, so Redis does not redeliver a task that is still running.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # A Redis host that drops packets must not hang a request publishing an event (ems/publish.py).
    "socket_connect_timeout": env.int("CELERY_BROKER_CONNECT_TIMEOUT", 3),
}
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TASK_DEFAULT_QUEUE = "events"
CELERY_TASK_ROUTES = {
    "monitoring.drain_inbox": {"queue": "readings"},
    "monitoring.alert_raised": {"queue": "notifications"},
    "users.alert_digest": {"queue": "notifications"},
    "users.alert_deferred": {"queue": "notifications"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- web ---------------------------------------------------------------------------------------
# After authentication and messages: a signed-in client asking for the admin goes to the dashboard.
MIDDLEWARE += [
    "apps.web.middleware.ClientsOutOfAdminMiddleware",
    # Times rendered by the server in the signed-in person's zone (the admin's lists).
    "apps.web.person_timezone.PersonTimezoneMiddleware",
]

# --- deploy ---
# Roles that serve only JSON APIs authenticated by the JWT, or no HTTP at all, install no session,
# session-user or flash-message middleware: a request never opens the users database for them.
# A role that checks passwords (the users API) keeps django-axes' middleware, which turns a
# locked-out sign-in into a 429. Only the roles that serve pages sign people in with a session;
# elsewhere errors are JSON on every path (ems/exceptions.py), as the pages are not there.
EMS_PROCESS_SERVES_PAGES = EMS_PROCESS_ROLE.serves_pages
if not EMS_PROCESS_SERVES_PAGES:
    _SESSION_MIDDLEWARE = {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "apps.web.middleware.ClientsOutOfAdminMiddleware",
        "apps.web.person_timezone.PersonTimezoneMiddleware",
    }
    if not EMS_PROCESS_ROLE.checks_passwords:
        _SESSION_MIDDLEWARE.add("axes.middleware.AxesMiddleware")
    MIDDLEWARE = [name for name in MIDDLEWARE if name not in _SESSION_MIDDLEWARE]
    # These processes do not mount the admin (ems/urls.py), so its middleware checks do not apply.
    SILENCED_SYSTEM_CHECKS = [
        *SILENCED_SYSTEM_CHECKS,
        *("admin.E408", "admin.E409", "admin.E410", "axes.W002"),
    ]
# Only the realtime process (and `all`, the local one-port mode) answers WebSocket handshakes.
EMS_PROCESS_SERVES_WEBSOCKETS = EMS_PROCESS_ROLE.serves_websockets

# --- realtime and chat ------------------------------------------------------------------------
# WebSocket limits (docs/realtime.md). Daphne refuses messages above its own hard limit
# (Procfile: --websocket-max-message-size); below it, the consumers answer a frame larger than
# EMS_WS_MAX_FRAME_BYTES with an error frame and keep the socket open. 48 KiB holds the longest
# chat message even if every character is JSON-escaped (an emoji: two \u escapes, 12 bytes).
EMS_WS_MAX_FRAME_BYTES = env.int("EMS_WS_MAX_FRAME_BYTES", default=48 * 1024)
# Per-connection token bucket: a burst of EMS_WS_RATE_BURST frames, refilled at
# EMS_WS_RATE_PER_SECOND frames a second.
EMS_WS_RATE_BURST = env.int("EMS_WS_RATE_BURST", default=20)
EMS_WS_RATE_PER_SECOND = env.float("EMS_WS_RATE_PER_SECOND", default=5.0)
# A socket ticket (POST /api/ws-ticket/) is single-use and valid this many seconds.
EMS_WS_TICKET_SECONDS = env.int("EMS_WS_TICKET_SECONDS", default=30)
EMS_CHAT_MESSAGE_MAX_LENGTH = 4000

# --- monitoring -------------------------------------------------------------------------------
# See docs/monitoring.md. Readings older than MONITORING_MAX_READING_AGE_DAYS are quarantined
# (kept below the retention so a late reading still finds its stored predecessor).
MONITORING_RAW_RETENTION_DAYS = env.int("MONITORING_RAW_RETENTION_DAYS", default=90)
MONITORING_MAX_READING_AGE_DAYS = env.int("MONITORING_MAX_READING_AGE_DAYS", default=60)
MONITORING_MAX_FUTURE_SECONDS = env.int("MONITORING_MAX_FUTURE_SECONDS", default=86400)
# The interval of an interval meter's first reading (it has no predecessor to measure the gap).
MONITORING_NOMINAL_INTERVAL_SECONDS = env.int("MONITORING_NOMINAL_INTERVAL_SECONDS", default=600)
MONITORING_HTTP_MAX_READINGS = env.int("MONITORING_HTTP_MAX_READINGS", default=1000)
MONITORING_HTTP_MAX_BODY_BYTES = env.int("MONITORING_HTTP_MAX_BODY_BYTES", default=256 * 1024)
# An inbox batch taken this many times by workers that died before finishing it is quarantined
# whole instead of blocking its meters (docs/architecture.md, "Durable ingestion").
MONITORING_MAX_DELIVERIES = env.int("MONITORING_MAX_DELIVERIES", default=5)
# Raw readings are partitioned by UTC month (apps/monitoring/partitions.py): beat's retention task
# keeps this many months' partitions ready ahead of the current one.
MONITORING_READING_PARTITIONS_AHEAD = env.int("MONITORING_READING_PARTITIONS_AHEAD", default=2)
# Energy spread over a gap longer than this many nominal intervals (6 x 10 minutes: an hour, so a
# meter that reports hourly is not in a gap) is an estimate: stored and shown, marked
# `estimated`, but it does not count towards alerts (docs/monitoring.md, "Alerts").
MONITORING_GAP_INTERVALS = env.int("MONITORING_GAP_INTERVALS", default=6)
# A meter's live demand (kW) is pushed over its owner's socket at most this often
# (docs/monitoring.md, "Live demand").
MONITORING_DEMAND_PUSH_SECONDS = env.int("MONITORING_DEMAND_PUSH_SECONDS", default=10)
# Beat wakes the readings workers this often, so a batch left by a worker that died, or accepted
# while the broker was down, is ingested within seconds. A drain task works at most
# MONITORING_DRAIN_SECONDS before it leaves the rest to the next wake-up.
MONITORING_INBOX_SWEEP_SECONDS = env.float("MONITORING_INBOX_SWEEP_SECONDS", default=2.0)
MONITORING_DRAIN_SECONDS = env.float("MONITORING_DRAIN_SECONDS", default=30.0)
# A worker takes up to this many inbox batches (of up to 1000 readings) into one transaction
# when they wait (apps/monitoring/services._inbox_take): a backlog drains with fewer commits.
MONITORING_DRAIN_BATCHES = env.int("MONITORING_DRAIN_BATCHES", default=5)
# How long one process reuses the fleet's figures while staff sort, filter and page
# (apps/monitoring/fleet.py); alerts are shown at once by the page itself.
MONITORING_FLEET_SNAPSHOT_SECONDS = env.float("MONITORING_FLEET_SNAPSHOT_SECONDS", default=5.0)
CELERY_BEAT_SCHEDULE["monitoring-inbox-sweep"] = {
    "task": "monitoring.drain_inbox",
    "schedule": MONITORING_INBOX_SWEEP_SECONDS,
    # A sweep not started within its period is dropped: busy workers are draining already.
    "options": {"queue": "readings", "expires": MONITORING_INBOX_SWEEP_SECONDS},
}
# Alerts beyond "over the limit" (docs/monitoring.md, "Silent meters", "Warnings"): a meter that
# sent nothing for more than MONITORING_SILENCE_INTERVALS nominal intervals is silent; a warning
# needs at least MONITORING_WARNING_MIN_OBSERVED_SECONDS of the hour observed. Beat runs both
# checks every MONITORING_ALERT_CHECK_SECONDS.
MONITORING_SILENCE_INTERVALS = env.int("MONITORING_SILENCE_INTERVALS", default=3)
MONITORING_WARNING_MIN_OBSERVED_SECONDS = env.int(
    "MONITORING_WARNING_MIN_OBSERVED_SECONDS", default=900
)
MONITORING_ALERT_CHECK_SECONDS = env.float("MONITORING_ALERT_CHECK_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE["monitoring-alert-checks"] = {
    "task": "monitoring.check_alerts",
    "schedule": MONITORING_ALERT_CHECK_SECONDS,
    "options": {"queue": "events", "expires": MONITORING_ALERT_CHECK_SECONDS},
}
# Retention creates and drops partitions: DDL, which the monitoring database's own role may not
# do in docker/. There the task goes to `maintenance`, whose worker connects as the role that
# acts as the tables' owner in that database only (docker/postgres/init.sh); locally, `events`.
MONITORING_RETENTION_QUEUE = env("MONITORING_RETENTION_QUEUE", default="events")
CELERY_BEAT_SCHEDULE["monitoring-raw-retention"] = {
    "task": "monitoring.delete_old_readings",
    "schedule": 3600.0,
    "options": {"queue": MONITORING_RETENTION_QUEUE},
}

# --- reconcile ---
# docs/consistency.md: every DEVICES_RECONCILE_SECONDS the devices worker resends every device's
# state and an inventory of the devices (DEVICES_INVENTORY_CHUNK ids per event) to monitoring,
# so an event lost to a broker outage converges. A run not started within one period expires:
# a devices worker that was down does not run a backlog of them.
DEVICES_RECONCILE_SECONDS = env.int("DEVICES_RECONCILE_SECONDS", default=600)
DEVICES_INVENTORY_CHUNK = env.int("DEVICES_INVENTORY_CHUNK", default=5000)
CELERY_BEAT_SCHEDULE["devices-reconcile"] = {
    "task": "devices.reconcile",
    "schedule": float(DEVICES_RECONCILE_SECONDS),
    "options": {"queue": "devices", "expires": DEVICES_RECONCILE_SECONDS},
}

# --- e-mail notifications ---------------------------------------------------------------------
# docs/monitoring.md, "E-mail notifications". EMAIL_URL: smtp://user:password@host:587 (with
# +tls / +ssl), console:// or dummy://, read by django-environ (ems/settings/local.py: console).
vars().update(env.email_url("EMAIL_URL", default="smtp://127.0.0.1:25"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="EMS <ems@localhost>")
# Where the links in a mail point (the unsubscribe link): the site's public address.
EMS_PUBLIC_URL = env("EMS_PUBLIC_URL", default="http://localhost:8000")
# At most this many alert mails per person and hour; the rest are skipped (recorded).
EMS_ALERT_MAILS_PER_HOUR = env.int("EMS_ALERT_MAILS_PER_HOUR", default=10)
# The daily digest (for people who chose it), at this UTC hour.
EMS_ALERT_DIGEST_HOUR = env.int("EMS_ALERT_DIGEST_HOUR", default=18)
CELERY_BEAT_SCHEDULE["users-alert-digest"] = {
    "task": "users.alert_digest",
    "schedule": crontab(hour=EMS_ALERT_DIGEST_HOUR, minute=0),
    "options": {"queue": "notifications", "expires": 3600},
}
# Alerts raised in a person's quiet hours are mailed together when the hours end: beat looks
# this often (seconds) for people whose quiet hours are over.
EMS_DEFERRED_MAIL_CHECK_SECONDS = env.float("EMS_DEFERRED_MAIL_CHECK_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULE["users-alert-deferred"] = {
    "task": "users.alert_deferred",
    "schedule": EMS_DEFERRED_MAIL_CHECK_SECONDS,
    "options": {"queue": "notifications", "expires": EMS_DEFERRED_MAIL_CHECK_SECONDS},
}
