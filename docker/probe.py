"""Container health probe: `probe.py http /readyz` (an HTTP process) or `probe.py broker` (beat).

Exit status 0 means healthy. Kept free of Django so a probe costs milliseconds, not an import.
"""

import os
import sys
import urllib.error
import urllib.request


def http(path: str) -> bool:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}{path}"
    # The proxy terminates TLS; saying so keeps production's HTTPS redirect off the probe.
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=4) as answer:  # noqa: S310
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def broker() -> bool:
    import redis

    url = os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"]
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=4).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:] or ["http"]
    healthy = broker() if mode == "broker" else http(arguments[0] if arguments else "/healthz")
    sys.exit(0 if healthy else 1)
