"""REST routes of this app, mounted under /api/ by ems/urls.py.

/api/devices/<id>/consumption/ belongs to the monitoring app (its urls are included first).
"""

from django.urls import path

from . import views

urlpatterns = [
    path("devices/", views.DeviceListCreateApi.as_view(), name="device-list"),
    path("devices/<uuid:device_id>/", views.DeviceDetailApi.as_view(), name="device-detail"),
    path(
        "devices/<uuid:device_id>/ingestion-token/",
        views.DeviceIngestionTokenApi.as_view(),
        name="device-ingestion-token",
    ),
]
