"""The account page: a person changes their time zone and password; a client takes their data
away or deletes the account. Every change is a confirmed POST (CSRF) and says what it did."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.chat import account_data as chat_data
from apps.users import self_service

from .account_export import account_archive, account_archive_name
from .account_forms import (
    AccountDeleteForm,
    AlertMailForm,
    PasswordChangeForm,
    TimezoneForm,
    add_service_errors,
)


def _errors(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


class AccountView(LoginRequiredMixin, View):
    template_name = "account/account.html"

    def render_page(self, request, *, status=200, **forms_given):
        forms = {
            "timezone_form": TimezoneForm(initial={"timezone": request.user.timezone}),
            "password_form": PasswordChangeForm(),
            "alert_mail_form": AlertMailForm(
                initial={
                    name: getattr(request.user, name) for name in self_service.NOTIFICATION_FIELDS
                }
            ),
        } | forms_given
        return render(request, self.template_name, forms, status=status)

    def get(self, request):
        return self.render_page(request)


class TimezoneChangeView(AccountView):
    http_method_names = ["post"]

    def post(self, request):
        form = TimezoneForm(request.POST)
        if form.is_valid():
            zone = form.cleaned_data["timezone"]
            self_service.own_timezone_change(user=request.user, timezone=zone)
            messages.success(request, f"Your time zone is now {zone}.")
            return redirect("account")
        return self.render_page(request, status=400, timezone_form=form)


class AlertMailChangeView(AccountView):
    http_method_names = ["post"]

    def post(self, request):
        form = AlertMailForm(request.POST)
        if form.is_valid():
            self_service.own_notifications_change(user=request.user, **form.cleaned_data)
            messages.success(request, "Your alert e-mail settings are saved.")
            return redirect("account")
        return self.render_page(request, status=400, alert_mail_form=form)


class PasswordChangeView(AccountView):
    http_method_names = ["post"]

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                self_service.own_password_change(
                    user=request.user,
                    current_password=form.cleaned_data["current_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ValidationError as error:
                add_service_errors(form, _errors(error), {"password": "new_password"})
            else:
                # This browser stays signed in; every other session and refresh token ends.
                update_session_auth_hash(request, request.user)
                messages.success(
                    request, "Your password is changed. Other browsers and apps are signed out."
                )
                return redirect("account")
        return self.render_page(request, status=400, password_form=form)


class ClientAccountView(LoginRequiredMixin, View):
    """Export and deletion are for clients: an administrator's account is managed by another."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            messages.warning(request, "That is for clients' accounts only.")
            return redirect("account")
        return super().dispatch(request, *args, **kwargs)


class AccountExportView(ClientAccountView):
    def get(self, request):
        return render(request, "account/export.html")

    def post(self, request):
        response = HttpResponse(account_archive(user=request.user), content_type="application/zip")
        name = account_archive_name(user=request.user)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class AccountDeleteView(ClientAccountView):
    template_name = "account/delete.html"

    def get(self, request):
        return render(request, self.template_name, {"form": AccountDeleteForm()})

    def post(self, request):
        form = AccountDeleteForm(request.POST)
        if form.is_valid():
            user = request.user
            try:
                user_id = self_service.own_account_delete(
                    user=user, password=form.cleaned_data["password"]
                )
            except ValidationError as error:
                add_service_errors(form, _errors(error))
            else:
                chat_data.conversation_anonymise_client(client_id=user_id)
                logout(request)
                messages.info(request, "Your account is deleted. Thank you for using EMS.")
                return redirect("login")
        return render(request, self.template_name, {"form": form}, status=400)
