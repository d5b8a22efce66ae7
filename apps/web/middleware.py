"""Keeps signed-in clients out of the Django admin: they are sent to their dashboard instead.

The admin alone would answer a client with its own sign-in page, which reads as if the client
were signed out; a clear message and their own page is what a person expects.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse


def _admin_prefix() -> str | None:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        # A process whose URLs do not mount the admin has nothing to keep clients out of.
        return None


class ClientsOutOfAdminMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_staff:
            prefix = _admin_prefix()
            if prefix and request.path.startswith(prefix):
                messages.warning(request, "That page is for administrators only.")
                return redirect("dashboard")
        return self.get_response(request)
