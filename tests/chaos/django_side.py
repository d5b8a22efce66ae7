"""The suite's hands inside the code under test: run as a script in that checkout's environment.

    python django_side.py token     prints an administrator's access token
    python django_side.py meters    writes monitoring's projection of the meters (JSON on stdin)
    python django_side.py gap       the longest interval (s) whose energy counts towards alerts
    python django_side.py enqueue   the simulator's path: one JSON batch per stdin line, answers
                                    `ok <id>` once the call returned, `err <id> <why>` if it raised

It imports the checkout's own code (PYTHONPATH points at it), so the suite can test any revision.
"""

import datetime as dt
import json
import sys

import django

django.setup()

from django.db import close_old_connections  # noqa: E402


def admin_token() -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken()
    # The claims ems/authentication.py reads; longer-lived than a real one, the suite lasts.
    token["user_id"] = 1
    token["role"] = "admin"
    token["name"] = "chaos"
    token["timezone"] = "UTC"
    token.set_exp(lifetime=dt.timedelta(hours=3))
    return str(token)


def meters_write(meters: list[dict]) -> None:
    from apps.monitoring.models import DeviceProjection

    for meter in meters:
        DeviceProjection.objects.using("monitoring").update_or_create(
            id=meter["id"],
            defaults={
                "owner_id": None,
                "max_hourly_kwh": meter["max_hourly_kwh"],
                "meter_kind": "index",
                "ingestion_token_hash": meter["token_hash"],
                "description": meter["description"],
                "version": 1,
                "deleted": False,
            },
        )


def alert_gap_seconds() -> int | None:
    """MONITORING_GAP_INTERVALS nominal intervals; None before issue 10 (every interval counts)."""
    from django.conf import settings

    intervals = getattr(settings, "MONITORING_GAP_INTERVALS", None)
    return intervals * settings.MONITORING_NOMINAL_INTERVAL_SECONDS if intervals else None


def _enqueue_function():
    """The durable enqueue of the new ingestion if the checkout has it, else the old publish."""
    from apps.monitoring import services

    return getattr(services, "readings_enqueue", None) or services.readings_publish


def enqueue_forever() -> None:
    enqueue = _enqueue_function()
    for line in sys.stdin:
        batch = json.loads(line)
        # A long-running loop does what Django does around each request: drop a connection
        # that broke (PostgreSQL restarted) so the next call opens a new one.
        close_old_connections()
        try:
            enqueue(readings=batch["readings"])
        except Exception as error:  # the caller retries whatever the reason, like a meter
            reason = f"{error.__class__.__name__}: {error}".replace("\n", " ")[:200]
            print(f"err {batch['id']} {reason}", flush=True)
            continue
        print(f"ok {batch['id']}", flush=True)


def main(mode: str) -> None:
    if mode == "token":
        print(admin_token())
    elif mode == "gap":
        print(json.dumps(alert_gap_seconds()))
    elif mode == "meters":
        meters_write(json.load(sys.stdin))
    elif mode == "enqueue":
        enqueue_forever()
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1])
