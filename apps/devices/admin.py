"""Django admin for devices: list with owners' names, filters, assignment and ingestion tokens.

Owners live in the users database: their names come from apps.users.selectors, one query per
page (`accounts_by_id`), never one per row; the owner is picked from a list of active clients.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html

from apps.users import selectors as user_selectors

from . import admin_token_views, services
from .models import Device

UNASSIGNED_LABEL = "— unassigned —"


def _client_choices(current_owner_id: int | None = None) -> list[tuple[str, str]]:
    choices = [
        (str(account.id), f"{account.name} ({account.username})")
        for account in user_selectors.client_accounts()
    ]
    if current_owner_id is not None and str(current_owner_id) not in dict(choices):
        # The current owner is no longer an active client: keep it selectable so the form can
        # be saved without silently unassigning the device.
        account = user_selectors.account_get(user_id=current_owner_id)
        label = f"{account.name} ({account.username})" if account else f"account {current_owner_id}"
        choices.append((str(current_owner_id), f"{label}, not an active client"))
    return choices


class OwnerChoiceField(forms.TypedChoiceField):
    def __init__(self, *, choices, required: bool = False, **kwargs):
        blank = [] if required else [("", UNASSIGNED_LABEL)]
        super().__init__(
            choices=blank + choices, coerce=int, empty_value=None, required=required, **kwargs
        )


EDITED_FIELDS = ("description", "address", "max_hourly_kwh", "meter_kind")


class DeviceForm(forms.ModelForm):
    # Declared here so the admin accepts it in `fields`; its choices are set per request below.
    owner = OwnerChoiceField(choices=[], label="Owner")

    class Meta:
        model = Device
        fields = EDITED_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.owner_id
        self.fields["owner"].choices = [("", UNASSIGNED_LABEL), *_client_choices(current)]
        self.initial["owner"] = current

    def clean_owner(self):
        owner_id = self.cleaned_data["owner"]
        if owner_id is not None and owner_id != self.instance.owner_id:
            try:
                services.device_owner_validate(owner_id=owner_id)
            except ValidationError as error:
                raise ValidationError(error.message_dict["owner"]) from error
        return owner_id


class AssignForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = OwnerChoiceField(
            choices=_client_choices(), required=True, label="Client"
        )


class AssignmentFilter(admin.SimpleListFilter):
    title = "assignment"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("yes", "Assigned"), ("no", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(owner_id__isnull=self.value() == "no")
        return queryset


class OwnerFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return _client_choices()

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # ASCII digits only: "²".isdigit() is true, and int() refuses it.
        if not (value.isascii() and value.isdigit()):
            messages.error(request, f"Owner {value!r} is not an account id; showing every meter.")
            # The admin answers this with the unfiltered list (and the message above).
            raise IncorrectLookupParameters(f"owner={value!r}")
        return queryset.filter(owner_id=int(value))


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceForm
    # Narrow enough for a 1280 px screen: the whole id is on the meter's page.
    list_display = (
        "description",
        "short_id",
        "owner_name",
        "meter_kind",
        "limit_kwh",
        "has_ingestion_token",
        "updated_at",
    )
    list_filter = (AssignmentFilter, OwnerFilter, "meter_kind")
    search_fields = ("description", "address")
    readonly_fields = ("id", "version", "has_ingestion_token", "created_at", "updated_at")
    # The meter's page has its ingestion-token buttons (apps/devices/admin_token_views.py).
    change_form_template = "admin/devices/device/change_form.html"
    fields = (
        "id",
        "description",
        "address",
        "max_hourly_kwh",
        "meter_kind",
        "owner",
        "has_ingestion_token",
        "version",
        "created_at",
        "updated_at",
    )
    actions = [
        "assign_to_client",
        "unassign_selected",
        "issue_ingestion_tokens",
        "revoke_ingestion_tokens",
    ]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One query for the owners of the whole page (the list is evaluated once and cached).
        devices = list(changelist.result_list)
        owners = user_selectors.accounts_by_id(user_ids={device.owner_id for device in devices})
        for device in devices:
            device.owner_account = owners.get(device.owner_id)
        return changelist

    def get_urls(self):
        return admin_token_views.token_urls(self) + super().get_urls()

    @admin.display(description="id", ordering="id")
    def short_id(self, device):
        return format_html('<code title="{}">{}</code>', device.id, str(device.id)[:8])

    @admin.display(description="owner")
    def owner_name(self, device):
        account = getattr(device, "owner_account", None)
        if device.owner_id is None:
            return "—"
        if account is None:
            return f"account {device.owner_id} (unknown)"
        return format_html("{} <span class='quiet'>({})</span>", account.name, account.username)

    @admin.display(description="max per hour", ordering="max_hourly_kwh")
    def limit_kwh(self, device):
        return f"{device.max_hourly_kwh:.3f} kWh"  # as set: limits have three decimals

    @admin.display(description="ingestion token", boolean=True)
    def has_ingestion_token(self, device):
        return device.ingestion_token_hash is not None

    def save_model(self, request, obj, form, change):
        # Through the services, so every change gets a version and its event.
        data = {field: form.cleaned_data[field] for field in EDITED_FIELDS}
        if not change:
            services.device_create(device_id=obj.id, owner_id=form.cleaned_data["owner"], **data)
            obj._state.adding, obj._state.db = False, "devices"
            return
        data["owner_id"] = form.cleaned_data["owner"]
        updated = services.device_update(device=obj, data=data)
        obj.version, obj.owner_id = updated.version, updated.owner_id

    def delete_model(self, request, obj):
        services.device_delete(device=obj)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            services.device_delete(device=device)

    @admin.action(description="Assign selected devices to a client")
    def assign_to_client(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            owner_id = form.cleaned_data["owner"]
            try:
                for device in queryset:
                    services.device_assign(device=device, owner_id=owner_id)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return None
            messages.success(request, f"{queryset.count()} device(s) assigned.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign devices to a client",
            "opts": self.model._meta,
            "form": form,
            "devices": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/devices/device/assign.html", context)

    @admin.action(description="Unassign selected devices")
    def unassign_selected(self, request, queryset):
        for device in queryset:
            services.device_unassign(device=device)
        messages.success(request, "The selected devices were unassigned.")

    @admin.action(description="Issue a new ingestion token (shown once)")
    def issue_ingestion_tokens(self, request, queryset):
        # The tokens are rendered in this answer, not passed on as flash messages: Django's
        # message cookie is signed, not encrypted, so a secret in it would sit in the browser's
        # cookie store (and in any log of Cookie headers) until the next page.
        issued = [
            (device, services.device_ingestion_token_issue(device=device)) for device in queryset
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "New ingestion tokens",
            "opts": self.model._meta,
            "issued": issued,
        }
        response = TemplateResponse(request, "admin/devices/device/ingestion_tokens.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke ingestion tokens")
    def revoke_ingestion_tokens(self, request, queryset):
        for device in queryset:
            services.device_ingestion_token_revoke(device=device)
        messages.success(request, "The ingestion tokens of the selected devices were revoked.")
