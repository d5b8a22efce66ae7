"""The answer to a locked-out sign-in (django-axes' AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    message = (
        f"Too many failed sign-in attempts for this username. Try again in {_minutes()} minutes."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        html = render_to_string("registration/locked_out.html", {"message": message}, request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(_minutes() * 60)
    return response
