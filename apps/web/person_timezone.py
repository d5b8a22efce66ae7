"""Times in server-rendered pages (the admin above all) in the signed-in person's time zone.

Stored times are UTC; Django renders them in the active zone. Without this it would be the
server's (UTC), so an administrator in Bucharest read 11:00 for an alert of their 13:00.
"""

import zoneinfo

from django.utils import timezone


class PersonTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = getattr(user, "timezone", None) if user is not None else None
        if zone and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
