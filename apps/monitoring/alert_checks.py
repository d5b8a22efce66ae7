"""The periodic alert checks (beat, every MONITORING_ALERT_CHECK_SECONDS): silent meters,
warnings settled and raised. One transaction; what changed is pushed after it commits.

Each check is one set-based statement and idempotent (unique per device, kind and time), so a
check run twice, or by two workers at once, raises nothing twice.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from . import services
from .hour_warnings import warnings_raise, warnings_settle
from .models import Alert
from .silence import silent_meters_raise


@dataclass
class CheckResult:
    raised: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)


def alerts_check(*, now: dt.datetime | None = None) -> CheckResult:
    now = now or timezone.now()
    result = CheckResult()
    with transaction.atomic(using="monitoring"):
        result.raised += silent_meters_raise(now=now)
        # Settled first: a warning of an hour that is over never waits for another round.
        result.updated += warnings_settle(now=now)
        result.raised += warnings_raise(now=now)
        if result.raised or result.updated:
            raised, updated = list(result.raised), list(result.updated)
            transaction.on_commit(
                lambda: services.alerts_push(alerts=raised, updated=updated), using="monitoring"
            )
    return result
