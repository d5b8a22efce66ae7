"""ASGI entry point for daphne: Django over HTTP, Channels over WebSocket.

WebSocket routes come from the apps (`websocket_urlpatterns` in their routing modules).
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ems.settings.local")

# Django must be set up before the routing modules import models and consumers.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from .checks import refuse_to_start_if_insecure  # noqa: E402
from .websocket_routing import websocket_urlpatterns  # noqa: E402

refuse_to_start_if_insecure()

protocols = {
    "http": django_asgi_app,
    "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
}
if not settings.EMS_PROCESS_SERVES_WEBSOCKETS:
    # Only the roles that serve sockets (ems/processes.py: realtime, all) answer a handshake.
    del protocols["websocket"]
application = ProtocolTypeRouter(protocols)
