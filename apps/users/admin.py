"""Django admin for accounts: administrators list, search, create, change role and deactivate."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.core.exceptions import ValidationError

from . import services
from .models import User


class AccountCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "name", "email", "role", "timezone")


class AccountChangeForm(UserChangeForm):
    # The administrator using the form; UserAdmin.get_form sets it per request.
    acting_user_id: int | None = None

    class Meta:
        model = User
        fields = ("username", "name", "email", "role", "timezone", "is_active")

    def clean(self):
        cleaned_data = super().clean()
        # The instance still holds the stored values here (the form's values are applied after).
        changes = {name: cleaned_data[name] for name in self.changed_data if name in cleaned_data}
        try:
            services.user_change_check(
                user=self.instance, data=changes, acting_user_id=self.acting_user_id
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned_data


class AccountPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            # As through the API: a new password signs out every client holding the old one.
            services.user_refresh_tokens_revoke(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    change_password_form = AccountPasswordChangeForm
    list_display = ("username", "name", "email", "role", "timezone", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "name", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["deactivate_selected"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("name", "email", "timezone")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "name",
                    "email",
                    "role",
                    "timezone",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    filter_horizontal = ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        # A subclass per request: the form's checks need to know who is making the change.
        return type(form.__name__, (form,), {"acting_user_id": request.user.pk})

    def has_delete_permission(self, request, obj=None):
        # The service refuses it too; here the button and the confirmation page go away.
        if obj is not None and obj.pk == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Changes go through the service, so a deactivation revokes the account's refresh
        # tokens and the devices app hears of it.
        editable = {"username", "name", "email", "role", "timezone", "is_active"}
        data = {field: form.cleaned_data[field] for field in form.changed_data if field in editable}
        services.user_update(
            user=User.objects.get(pk=obj.pk), data=data, acting_user_id=request.user.pk
        )

    def delete_model(self, request, obj):
        services.user_delete(user=obj, acting_user_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        self._each_through_service(request, queryset, services.user_delete)

    @admin.action(description="Deactivate selected accounts")
    def deactivate_selected(self, request, queryset):
        done = self._each_through_service(
            request, queryset.filter(is_active=True), services.user_deactivate
        )
        if done:
            messages.success(request, f"{done} account(s) deactivated.")

    def _each_through_service(self, request, queryset, service) -> int:
        """Apply a service to each account; the ones it refuses are named, the others done."""
        done = 0
        for user in queryset:
            try:
                service(user=user, acting_user_id=request.user.pk)
            except ValidationError as error:
                messages.error(request, f"{user.username}: {' '.join(error.messages)}")
            else:
                done += 1
        return done
