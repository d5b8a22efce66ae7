"""Read-only admin views of monitoring's data: alerts and quarantined input, for operators."""

from django.contrib import admin

from .models import Alert, QuarantinedReading


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are written by the pipeline only; the admin looks, it does not edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "hour_start",
        "device_id",
        "owner_id",
        "kwh",
        "max_hourly_kwh",
        "acknowledged_at",
    ]
    list_filter = ["acknowledged_at"]
    search_fields = ["device_id"]
    ordering = ["-id"]


@admin.register(QuarantinedReading)
class QuarantinedReadingAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "reason", "detail"]
    list_filter = ["reason"]
    ordering = ["-id"]
