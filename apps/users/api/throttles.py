"""Rate limits of the users API's anonymous endpoints."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class RegistrationThrottle(AnonRateThrottle):
    """New accounts per client address (EMS_REGISTRATION_RATE, e.g. "20/hour").

    The rate is read when a request comes, not at import, so a deployment (or a test) sets it
    in settings. The address is the peer's, or the proxy's X-Forwarded-For entry when
    REST_FRAMEWORK["NUM_PROXIES"] says how many proxies stand in front.
    """

    scope = "registration"

    def get_rate(self) -> str:
        return settings.EMS_REGISTRATION_RATE
