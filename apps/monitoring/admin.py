"""Read-only admin views of monitoring's data: alerts and quarantined input, for operators.

Alerts show the meter's name (monitoring's own projection) and the owner's name (the users app's
selectors, one query per page), and filter by client and meter.
"""

import uuid

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Count
from django.utils.html import format_html

from apps.users import selectors as user_selectors

from .models import Alert, DeviceProjection, QuarantinedReading

# The meter filter lists a client's meters, or else this many meters with the most alerts.
METER_FILTER_SIZE = 30


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are written by the pipeline only; the admin looks, it does not edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _ascii_int(request, value: str, what: str) -> int:
    if not (value.isascii() and value.isdigit()):
        messages.error(request, f"{what} {value!r} is not an id; showing every alert.")
        raise IncorrectLookupParameters(f"{what}={value!r}")
    return int(value)


class ClientFilter(admin.SimpleListFilter):
    title = "client"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [(str(a.id), f"{a.name} ({a.username})") for a in user_selectors.client_accounts()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(owner_id=_ascii_int(request, self.value(), "Client"))


class MeterFilter(admin.SimpleListFilter):
    title = "meter"
    parameter_name = "device"

    def lookups(self, request, model_admin):
        meters = DeviceProjection.objects.using("monitoring").filter(deleted=False)
        owner = request.GET.get("owner", "")
        if owner.isascii() and owner.isdigit():
            meters = meters.filter(owner_id=int(owner)).order_by("description")
        else:
            busiest = (
                Alert.objects.using("monitoring")
                .values("device_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .values_list("device_id", flat=True)[:METER_FILTER_SIZE]
            )
            meters = meters.filter(id__in=list(busiest)).order_by("description")
        return [(str(m.id), f"{m.description or 'Meter'} · {str(m.id)[:8]}") for m in meters]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        value = self.value()
        try:
            device_id = uuid.UUID(value)
        except ValueError:
            messages.error(request, f"Meter {value!r} is not a meter id; showing every alert.")
            raise IncorrectLookupParameters(f"device={value!r}") from None
        return queryset.filter(device_id=device_id)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["hour_start", "meter", "owner_name", "energy", "limit", "state", "created_at"]
    list_filter = ["state", ClientFilter, MeterFilter]
    search_fields = ["device_id"]
    ordering = ["-id"]
    list_per_page = 50

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One query per page for the owners and one for the meters, never one per row.
        alerts = list(changelist.result_list)
        owners = user_selectors.accounts_by_id(user_ids={alert.owner_id for alert in alerts})
        meters = DeviceProjection.objects.using("monitoring").filter(
            id__in={alert.device_id for alert in alerts}
        )
        names = {meter.id: meter.description for meter in meters}
        for alert in alerts:
            alert.owner_account = owners.get(alert.owner_id)
            alert.meter_name = names.get(alert.device_id)
        return changelist

    @admin.display(description="meter", ordering="device_id")
    def meter(self, alert):
        name = getattr(alert, "meter_name", None) or "Meter"
        return format_html(
            "{} <code class='quiet' title='{}'>{}</code>",
            name,
            alert.device_id,
            str(alert.device_id)[:8],
        )

    @admin.display(description="client", ordering="owner_id")
    def owner_name(self, alert):
        if alert.owner_id is None:
            return "—"
        account = getattr(alert, "owner_account", None)
        return account.name if account else f"account {alert.owner_id} (deleted)"

    @admin.display(description="energy", ordering="kwh")
    def energy(self, alert):
        return f"{alert.kwh:.2f} kWh"

    @admin.display(description="limit", ordering="max_hourly_kwh")
    def limit(self, alert):
        return f"{alert.max_hourly_kwh:.3f} kWh"


@admin.register(QuarantinedReading)
class QuarantinedReadingAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "reason", "detail"]
    list_filter = ["reason"]
    ordering = ["-id"]
