"""Liveness and readiness probes for process managers and the reverse proxy."""

import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse


def healthz(request):
    """Alive: the process answers. No dependency is checked, so a restart cannot cascade."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready: the databases this process uses and Redis answer."""
    checks = {}
    for alias in settings.EMS_PROCESS_DATABASES:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            checks[f"database:{alias}"] = "ok"
        except Exception as error:
            checks[f"database:{alias}"] = f"error: {error.__class__.__name__}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        checks["redis"] = "ok"
    except redis.RedisError as error:
        checks["redis"] = f"error: {error.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
