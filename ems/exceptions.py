"""Every API error is JSON with a human-readable `detail`; validation errors add field `errors`.

Services raise Django's ValidationError (400, a message per field) and DoesNotExist (404); the
handler translates them, so views call services directly.
"""

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def _flatten(errors, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        lines = []
        for field, value in errors.items():
            name = field if field != "non_field_errors" else ""
            lines += _flatten(value, f"{prefix}{name}: " if name else prefix)
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in _flatten(item, prefix)]
    return [f"{prefix}{errors}"]


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is unavailable for a moment; nothing was changed. Try again."
    default_code = "service_unavailable"


# Seconds a client should wait before it tries again after a 503.
RETRY_AFTER_SECONDS = 5


def _as_api_exception(exc):
    """Services raise Django's errors; they mean the same to every API view."""
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is down or restarting, or a migration made a prepared statement stale
        # (ems/db.StaleStatement; the request's transaction rolled back, which cures it): a
        # client that retries loses nothing, one that is told 500 may give up.
        logger.warning("database unavailable: %r", exc)
        return ServiceUnavailable()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, ObjectDoesNotExist):
        # The object vanished between the view's lookup and the service's write.
        return exceptions.NotFound()
    return exc


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": " ".join(_flatten(exc.detail)), "errors": exc.detail}
    elif isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": " ".join(_flatten(response.data)), "errors": response.data}
    return response


def _is_api(request) -> bool:
    # An API process has no pages: its error pages would link to pages it does not mount.
    return request.path.startswith("/api/") or not settings.EMS_PROCESS_SERVES_PAGES


def bad_request(request, exception=None):
    # Only our own refusals explain themselves: other 400s (a bad Host header, too many fields)
    # carry text from the request that an error page should not echo.
    from ems.middleware import NulInAddress

    reason = str(exception) if isinstance(exception, NulInAddress) else ""
    if _is_api(request):
        return JsonResponse(
            {"detail": reason or "Bad request."}, status=status.HTTP_400_BAD_REQUEST
        )
    return render(request, "400.html", {"reason": reason}, status=status.HTTP_400_BAD_REQUEST)


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"detail": "Internal server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )
    return defaults.server_error(request)


class CredentialsRefused(exceptions.APIException):
    """401 from a view that has no authenticator (sign-in, refresh), where DRF would say 403."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The credentials were refused."
    default_code = "credentials_refused"
