"""Content-Security-Policy on every response: the pages run only the site's own files.

The pages load ES modules and Chart.js from /static/ and have no inline script, inline style,
`style=` or `on…=` attribute (tests/web/test_content_security_policy.py keeps it so); Django's
admin needs nothing more (its scripts read their data from `data-` attributes). A fixed header
needs no nonce, so a small middleware does it; django-csp would add a dependency for the same
header. A response that already carries a policy keeps it (the API docs page, ems/docs.py).
"""

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_for(request: HttpRequest, **overrides: str) -> str:
    directives = {**POLICY, **overrides}
    try:
        host = request.get_host()
    except DisallowedHost:
        host = None  # answered 400 anyway; the policy then names no socket host
    if host:
        # Sockets to this host: older browsers do not count ws:/wss: as 'self'.
        directives["connect-src"] += f" ws://{host} wss://{host}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy_for(request)
        return response
