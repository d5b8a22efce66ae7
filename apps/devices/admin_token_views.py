"""A meter's ingestion token, issued or revoked from the meter's own admin page.

The new token is rendered once in the answer to the POST (never in a flash message: Django's
message cookie is signed, not encrypted) with `Cache-Control: no-store`.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from . import selectors, services


def _device_or_404(object_id: str):
    try:
        device_id = uuid.UUID(object_id)
    except ValueError as error:
        raise Http404("No such meter.") from error
    device = selectors.device_get(device_id=device_id)
    if device is None:
        raise Http404("No such meter.")
    return device


def _change_page(device):
    return redirect("admin:devices_device_change", device.id)


def token_urls(model_admin) -> list:
    site = model_admin.admin_site

    def guarded(request, object_id, *, issue: bool):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        device = _device_or_404(object_id)
        if not issue:
            services.device_ingestion_token_revoke(device=device)
            messages.success(request, f"The ingestion token of “{device}” is revoked.")
            return _change_page(device)
        token = services.device_ingestion_token_issue(device=device)
        context = {
            **site.each_context(request),
            "title": f"New ingestion token of “{device}”",
            "opts": model_admin.model._meta,
            "original": device,
            "token": token,
        }
        response = TemplateResponse(
            request, "admin/devices/device/ingestion_token_issued.html", context
        )
        response["Cache-Control"] = "no-store"
        return response

    return [
        path(
            "<path:object_id>/ingestion-token/issue/",
            site.admin_view(lambda request, object_id: guarded(request, object_id, issue=True)),
            name="devices_device_token_issue",
        ),
        path(
            "<path:object_id>/ingestion-token/revoke/",
            site.admin_view(lambda request, object_id: guarded(request, object_id, issue=False)),
            name="devices_device_token_revoke",
        ),
    ]
