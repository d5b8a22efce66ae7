"""Server-rendered pages. They carry no data themselves: their JavaScript reads the REST API."""

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.monitoring import selectors as monitoring_selectors
from apps.users import services as user_services
from apps.users.api.throttles import RegistrationThrottle

from .forms import RegistrationForm, SignInForm
from .services import browser_access_token

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _landing_for(user) -> str:
    """Where a signed-in person belongs: administrators in the admin, clients on their dashboard."""
    return reverse("admin:index") if user.is_staff else reverse("dashboard")


def _messages_by_field(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _account_errors_of_valid_fields(form: RegistrationForm) -> dict[str, list[str]]:
    data = form.cleaned_data
    errors = user_services.user_registration_errors(
        username=data.get("username", ""),
        password=data.get("password1", ""),
        name=data.get("name", ""),
        email=data.get("email", ""),
    )
    field_for = {"password": "password1"}
    return {
        field: messages
        for field, messages in errors.items()
        if field_for.get(field, field) in data and field_for.get(field, field) not in form.errors
    }


class HomeView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("login")
        return redirect(_landing_for(request.user))


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


class RegisterView(View):
    template_name = "registration/register.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect(_landing_for(request.user))
        return render(request, self.template_name, {"form": RegistrationForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RegistrationForm(request.POST)
        if not RegistrationThrottle().allow_request(request, self):
            # The same limit as POST /api/auth/register/, counted together.
            form.add_error(None, "Too many new accounts from your address. Try again later.")
            return render(request, self.template_name, {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = user_services.user_register(
                    username=data["username"],
                    password=data["password1"],
                    name=data["name"],
                    email=data["email"],
                    timezone=data.get("timezone") or None,
                )
            except ValidationError as error:
                form.add_service_errors(_messages_by_field(error))
            else:
                # Two backends are configured (django-axes and the model backend): name the one
                # that holds the account, as `authenticate` would have.
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome, {user.name}. Your account is ready.")
                return redirect("dashboard")
        else:
            # Every field error at once: the account's rules too (a taken username, a weak
            # password), for the fields the form itself accepted.
            form.add_service_errors(_account_errors_of_valid_fields(form))
        return render(request, self.template_name, {"form": form}, status=400)


class ClientPageView(LoginRequiredMixin, TemplateView):
    """A page of the client's own data; administrators have the admin instead."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            return redirect("admin:index")
        return super().dispatch(request, *args, **kwargs)


class DashboardView(ClientPageView):
    template_name = "web/dashboard.html"


class DevicePageView(ClientPageView):
    """The day, week or month of `?date=` (YYYY-MM-DD); a date that is not a day the API can
    answer is named in a notice, and today is shown instead."""

    template_name = "web/device.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        earliest, latest = monitoring_selectors.EARLIEST_DAY, monitoring_selectors.LATEST_DAY
        context |= {"date": "", "date_error": "", "earliest": earliest, "latest": latest}
        raw = self.request.GET.get("date")
        if raw is None:
            return context
        try:
            day = dt.date.fromisoformat(raw) if ISO_DAY.fullmatch(raw) else None
        except ValueError:
            day = None
        if day is not None and earliest <= day <= latest:
            context["date"] = day.isoformat()
        else:
            context["date_error"] = (
                f"The date in the address, “{raw}”, is not a day from {earliest} to {latest}"
                " (YYYY-MM-DD). Showing today instead."
            )
        return context


class AlertsPageView(ClientPageView):
    template_name = "web/alerts.html"


class ClientChatView(ClientPageView):
    template_name = "web/chat.html"


class StaffPageView(LoginRequiredMixin, TemplateView):
    """A page for administrators outside the Django admin (chat, alerts); clients are sent home."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_staff:
            messages.warning(request, "That page is for administrators only.")
            return redirect("dashboard")
        return super().dispatch(request, *args, **kwargs)


class StaffAlertsView(StaffPageView):
    template_name = "staff/alerts.html"


class BrowserTokenView(View):
    """POST /web/token/: an access token for the session's account (CSRF-checked like any POST)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "Sign in first."}, status=401)
        response = JsonResponse(browser_access_token(user=request.user))
        response["Cache-Control"] = "no-store"
        return response
