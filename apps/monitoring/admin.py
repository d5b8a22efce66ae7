"""Admin of monitoring's data: alerts and quarantined input (read-only, for operators), and
tariffs with the meters on them (edited here: prices in force cannot be changed).

Alerts show the meter's name (monitoring's own projection) and the owner's name (the users app's
selectors, one query per page), and filter by client and meter.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html

from apps.users import selectors as user_selectors

from . import importing
from .models import (
    Alert,
    DeviceProjection,
    HistoryImport,
    MeterTariff,
    QuarantinedReading,
    Tariff,
    TariffBand,
    TariffPrice,
)

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
    list_display = [
        "hour_start",
        "kind",
        "meter",
        "owner_name",
        "energy",
        "limit",
        "state",
        "created_at",
    ]
    list_filter = ["kind", "state", ClientFilter, MeterFilter]
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


class TariffPriceInline(admin.TabularInline):
    model = TariffPrice
    extra = 0
    fields = ["effective_from", "price_per_kwh", "standing_charge_per_day"]
    show_change_link = True

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a price is changed by adding one from a later day (its own page)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "time_zone"]
    inlines = [TariffPriceInline]


class TariffBandInline(admin.TabularInline):
    model = TariffBand
    extra = 1
    fields = ["weekdays", "starts_at", "ends_at", "price_per_kwh"]


@admin.register(TariffPrice)
class TariffPriceAdmin(admin.ModelAdmin):
    list_display = ["tariff", "effective_from", "price_per_kwh", "standing_charge_per_day"]
    list_filter = ["tariff"]
    inlines = [TariffBandInline]

    def _frozen(self, obj) -> bool:
        return obj is not None and obj.pk is not None and obj.in_force()

    def has_change_permission(self, request, obj=None) -> bool:
        # A price some meter's hours were already priced with never changes.
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._frozen(obj)


@admin.register(MeterTariff)
class MeterTariffAdmin(admin.ModelAdmin):
    list_display = ["device", "tariff", "valid_from"]
    list_filter = ["tariff"]
    ordering = ["device", "valid_from"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "device":
            kwargs["queryset"] = DeviceProjection.objects.using("monitoring").filter(deleted=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        frozen = obj is not None and obj.in_force()
        return super().has_change_permission(request, obj) and not frozen

    def has_delete_permission(self, request, obj=None) -> bool:
        frozen = obj is not None and obj.in_force()
        return super().has_delete_permission(request, obj) and not frozen


class HistoryImportForm(forms.Form):
    device = forms.ModelChoiceField(
        queryset=DeviceProjection.objects.using("monitoring").filter(deleted=False),
        help_text="The meter the readings are of.",
    )
    file = forms.FileField(
        help_text="CSV (timestamp,measurement_value) or JSON lines; any age; safe to import again."
    )
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("jsonl", "JSON lines")])


@admin.register(HistoryImport)
class HistoryImportAdmin(ReadOnlyAdmin):
    """An upload form in place of a list: a meter's history from a file (importing.py)."""

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = HistoryImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # The upload's chunks line by line: a large file sits in a temporary file.
                result = importing.readings_import(
                    device_id=form.cleaned_data["device"].id,
                    lines=iter(upload),
                    file_format=form.cleaned_data["format"],
                )
            except importing.ImportFormatError as error:
                form.add_error("file", str(error))
            else:
                messages.success(
                    request,
                    f"{result.lines} lines: {result.stored} readings stored, {result.duplicates} "
                    f"already there, {result.rejected} not imported (quarantined), "
                    f"{result.historical_alerts} historical alerts recorded (acknowledged).",
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a meter's history",
            "opts": self.model._meta,
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/monitoring/history_import.html", context)
