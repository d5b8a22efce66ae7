"""URL routing. Each app exposes its own URL lists; EMS_PROCESS decides what a process mounts."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.users.api.urls import auth_urlpatterns, users_urlpatterns

from .health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/auth/", include(auth_urlpatterns)),
    path("api/users/", include(users_urlpatterns)),
    # Monitoring before devices: it serves /api/devices/{id}/consumption/.
    path("api/", include("apps.monitoring.api.urls")),
    path("api/", include("apps.devices.api.urls")),
    path("api/", include("apps.chat.api.urls")),
    path("api/", include("ems.realtime.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "ems.exceptions.not_found"
handler500 = "ems.exceptions.server_error"

admin.site.site_header = "EMS administration"
admin.site.site_title = "EMS"
admin.site.index_title = "Accounts, meters and alerts"
