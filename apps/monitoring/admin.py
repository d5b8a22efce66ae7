"""Admin of monitoring's data: alerts and quarantined input (read-only, for operators), and
tariffs with the meters on them (edited here: prices in force cannot be changed)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

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
class HistoryImportAdmin(admin.ModelAdmin):
    """An upload form in place of a list: a meter's history from a file (importing.py)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

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
