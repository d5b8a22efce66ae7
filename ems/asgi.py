"""ASGI entry point for daphne: Django over HTTP, Channels over WebSocket.

WebSocket routes come from the apps (`websocket_urlpatterns` in their routing modules).
"""

import gc
import logging
import os
import time

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


def _log_long_collections(threshold_ms: float) -> None:
    """Log every garbage collection that holds the event loop longer than `threshold_ms`."""
    logger = logging.getLogger("ems.gc")
    started = [0.0]

    def timer(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = (time.perf_counter() - started[0]) * 1000
        if took >= threshold_ms:
            logger.warning(
                "garbage collection of generation %s held the event loop %.0f ms (%s collected)",
                info["generation"],
                took,
                info["collected"],
            )

    gc.callbacks.append(timer)


# CPython collects its youngest generation every 700 net allocations, and scans every object
# (a full collection) after ten of its older generation's collections once the long-lived ones
# grew by a quarter: with 1,000 sockets open that was every ~17 s, holding the event loop
# 100-270 ms each time, and every socket's frames waited (docs/benchmarks.md, "Sockets"). Fewer,
# larger young collections leave the full ones to the moments many objects die at once. Only in
# the roles that serve sockets (realtime, all); a test process that imports this module too.
if settings.EMS_GC_YOUNG_THRESHOLD and settings.EMS_PROCESS_SERVES_WEBSOCKETS:
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(settings.EMS_GC_YOUNG_THRESHOLD, older, oldest)
if settings.EMS_LOG_GC_PAUSES_MS:
    _log_long_collections(settings.EMS_LOG_GC_PAUSES_MS)
