"""URL routing. Each app exposes its own URL lists; EMS_PROCESS decides what a process mounts.

A process mounts the route groups its role names in ems/processes.py (docs/deployment.md,
"Roles"): an API process mounts only its own app's routes, so it can only ever open its own
database.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from apps.users.api.urls import auth_urlpatterns, users_urlpatterns

from . import admin_layout
from .docs import ApiDocsView
from .health import healthz, readyz
from .processes import PROCESS_ROLES

# Every HTTP process: probes, and the OpenAPI schema of what this process serves.
COMMON = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]
USERS = [
    path("api/auth/", include(auth_urlpatterns)),
    path("api/users/", include(users_urlpatterns)),
]
# Monitoring before devices wherever both are mounted: it serves /api/devices/{id}/consumption/.
MONITORING = [path("api/", include("apps.monitoring.api.urls"))]
DEVICES = [path("api/", include("apps.devices.api.urls"))]
# Chat's REST history; its WebSocket routes are in ems/websocket_routing.py (ems/asgi.py).
REALTIME = [path("api/", include("apps.chat.api.urls"))]
# The front end: the admin and the pages, last so the API prefixes above win.
WEB = [
    # Socket tickets are issued against the browser session, which lives in the users database.
    path("api/", include("ems.realtime.urls")),
    path("admin/", admin.site.urls),
    path("", include("apps.web.urls")),
]
GROUPS = {
    "common": COMMON,
    "users": USERS,
    "monitoring": MONITORING,
    "devices": DEVICES,
    "realtime": REALTIME,
    "web": WEB,
}

# Process role -> its URL patterns: its groups in the order above, whatever order it lists them.
ROUTES = {
    name: [pattern for group in GROUPS if group in role.routes for pattern in GROUPS[group]]
    for name, role in PROCESS_ROLES.items()
}

urlpatterns = ROUTES[settings.EMS_PROCESS]

handler400 = "ems.exceptions.bad_request"
handler404 = "ems.exceptions.not_found"
handler500 = "ems.exceptions.server_error"

admin.site.site_header = "EMS administration"
admin.site.site_title = "EMS"
admin.site.index_title = "Accounts, meters and alerts"
admin_layout.install(admin.site)
# The index lists every section; the sidebar repeating it on every page took a third of a 1280 px
# screen from the lists.
admin.site.enable_nav_sidebar = False
