"""A limit that fits, on the meter's admin page: monitoring's suggestion, applied in one step.

The suggestion is read from monitoring (apps/monitoring/limit_suggestion.py, the web process
reaches every database); applying it goes through `services.device_update`, so the change gets
its version and its event and monitoring's projection follows.
"""

import logging
import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path

from apps.monitoring import limit_suggestion

from . import services
from .admin_token_views import _device_or_404

logger = logging.getLogger(__name__)


def suggestion_for(object_id: str):
    """Monitoring's suggestion for the meter of this admin page, None if there is none."""
    try:
        device_id = uuid.UUID(str(object_id))
    except ValueError:
        return None
    try:
        return limit_suggestion.limit_suggestion(device_id=device_id)
    except DatabaseError:
        # The meter's page must stay usable when monitoring's database is not.
        logger.exception("limit suggestion unavailable for %s", device_id)
        return None


def _apply(model_admin, request, object_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    device = _device_or_404(object_id)
    try:
        limit = Decimal(request.POST.get("max_hourly_kwh", ""))
        services.device_update(device=device, data={"max_hourly_kwh": limit})
    except InvalidOperation:
        messages.error(request, "The suggested limit is not a number; nothing was changed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The limit of “{device}” is now {limit:.3f} kWh per hour.")
    return redirect("admin:devices_device_change", device.id)


def limit_urls(model_admin) -> list:
    view = model_admin.admin_site.admin_view(
        lambda request, object_id: _apply(model_admin, request, object_id)
    )
    return [path("<path:object_id>/limit/apply/", view, name="devices_device_limit_apply")]
