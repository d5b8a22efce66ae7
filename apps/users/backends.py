"""Authentication backends: the per-address sign-in limit, ahead of django-axes' lock."""

from django.core.exceptions import PermissionDenied

from .lockout import address_is_throttled


class AddressThrottleBackend:
    """Refuses every sign-in from an address that failed too often (apps/users/lockout.py).

    Before the model backend in AUTHENTICATION_BACKENDS, so no password is checked. It flags the
    request the way django-axes' backend does, so axes' middleware answers 429 with
    `lockout_response`; the PermissionDenied ends `authenticate`, which then reports the attempt
    as failed.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and address_is_throttled(request=request):
            request.ems_address_throttled = True
            request.axes_locked_out = True
            raise PermissionDenied("Too many failed sign-in attempts from this address.")
        # No `get_user`: this backend never signs anyone in, so no session may name it (the test
        # client's `force_login` picks the first backend that has one).
        return None
