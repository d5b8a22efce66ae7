"""REST routes of this app, mounted under /api/ by ems/urls.py (before the devices app's)."""

from django.urls import path

from . import views

urlpatterns = [
    path("readings/", views.ReadingsIngestApi.as_view(), name="readings-ingest"),
    path("readings/import/", views.ReadingsImportApi.as_view(), name="readings-import"),
    path(
        "devices/<uuid:device_id>/consumption/",
        views.ConsumptionApi.as_view(),
        name="device-consumption",
    ),
    # Under consumption/ so the proxy's route for consumption brings it here too.
    path(
        "devices/<uuid:device_id>/consumption/demand/",
        views.DemandApi.as_view(),
        name="device-demand",
    ),
    # Before the devices app's /api/devices/{id}/ wherever both are mounted; "former" is no uuid.
    path("devices/former/", views.FormerDeviceListApi.as_view(), name="device-former-list"),
    path("alerts/", views.AlertListApi.as_view(), name="alert-list"),
    path(
        "alerts/acknowledge/", views.AlertAcknowledgeAllApi.as_view(), name="alert-acknowledge-all"
    ),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
]
