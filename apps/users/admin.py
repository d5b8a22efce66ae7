"""Django admin for accounts: administrators list, search, create, change role and deactivate."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)

from . import services
from .models import User


class AccountCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "name", "email", "role", "timezone")


class AccountChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("username", "name", "email", "role", "timezone", "is_active")


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

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Changes go through the service, so a deactivation revokes the account's refresh
        # tokens and the devices app hears of it.
        editable = {"username", "name", "email", "role", "timezone", "is_active"}
        data = {field: form.cleaned_data[field] for field in form.changed_data if field in editable}
        services.user_update(user=User.objects.get(pk=obj.pk), data=data)

    def delete_model(self, request, obj):
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(user=user)

    @admin.action(description="Deactivate selected accounts")
    def deactivate_selected(self, request, queryset):
        for user in queryset.filter(is_active=True).exclude(pk=request.user.pk):
            services.user_deactivate(user=user)
        messages.success(request, "The selected accounts were deactivated.")
