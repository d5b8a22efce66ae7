"""Refuses a request whose address holds a NUL character, before any view sees it.

PostgreSQL cannot store or compare text containing NUL: such a value in a query parameter
reached the database from the Django admin's list filters and search (a 500). No address needs
one, so every process answers 400 (JSON on the API, a page elsewhere: ems.exceptions.bad_request).
"""

from django.core.exceptions import BadRequest


class NulInAddress(BadRequest):
    """Its message is shown to the caller (it holds nothing from the request)."""


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise NulInAddress("The address contains a NUL character (%00), which is not allowed.")
        return self.get_response(request)
