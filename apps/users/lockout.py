"""Brute-force protection of sign-in (API, web form and admin), on top of django-axes.

Two limits, both per client address, so that one address can neither lock someone else's account
nor try one password on many accounts:
- django-axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures;
- this module counts an address's failed sign-ins across every username in the shared Redis cache
  and refuses its sign-ins once EMS_SIGN_IN_FAILURES_PER_ADDRESS are reached within
  AXES_COOLOFF_TIME (password spraying). A success does not reset that count: an attacker who
  owns one account must not be able to wipe it.
Both answer 429 through `lockout_response` (AXES_LOCKOUT_CALLABLE).
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework.throttling import BaseThrottle

_FAILURES_KEY = "sign-in-failures:{address}"


def client_address(request: HttpRequest) -> str:
    """The client's address as the throttles see it (AXES_CLIENT_IP_CALLABLE too).

    The peer's address, or the entry of X-Forwarded-For that the last of
    REST_FRAMEWORK["NUM_PROXIES"] trusted proxies added (docker/: nginx, 1); with no proxy
    configured the header is ignored, so a client cannot pick its own address. Something that is
    not an address falls back to the peer's.
    """
    address = BaseThrottle().get_ident(request) or ""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)


def _window_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def address_failure_record(*, request: HttpRequest) -> None:
    """Count one failed sign-in of the request's address (its window starts at the first)."""
    key = _FAILURES_KEY.format(address=client_address(request))
    cache.add(key, 0, timeout=_window_seconds())
    try:
        cache.incr(key)
    except ValueError:
        # The window ended between add and incr: this failure opens the next one.
        cache.set(key, 1, timeout=_window_seconds())


def address_is_throttled(*, request: HttpRequest) -> bool:
    key = _FAILURES_KEY.format(address=client_address(request))
    return (cache.get(key) or 0) >= settings.EMS_SIGN_IN_FAILURES_PER_ADDRESS


def _minutes() -> int:
    return _window_seconds() // 60


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    if getattr(request, "ems_address_throttled", False):
        subject = "from your address"
    else:
        subject = "for this username"
    message = f"Too many failed sign-in attempts {subject}. Try again in {_minutes()} minutes."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        html = render_to_string("registration/locked_out.html", {"message": message}, request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(_minutes() * 60)
    return response
