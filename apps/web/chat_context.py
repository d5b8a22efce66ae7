""" "Ask about this": a client opens the support chat about a meter, a day or an alert, and the
conversation gets a message with a reference card (meter, period, kWh against the limit, links to
that chart for the client and for the support view).

The card's figures are read here, by the web process (all four databases, each through its
app's selectors), from what the client may see: a client cannot put figures of their own in it.
"""

import datetime as dt
import uuid
import zoneinfo

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from apps.chat import services as chat_services
from apps.devices import selectors as device_selectors
from apps.monitoring import selectors as monitoring_selectors

QUESTION_MAX_LENGTH = 1000


def _device_name(device_id: uuid.UUID) -> str:
    device = device_selectors.device_get(device_id=device_id)
    return (device.description if device else "") or f"Meter {str(device_id)[:8]}"


def _links(device_id: uuid.UUID, day: dt.date | None) -> dict[str, str]:
    query = f"?date={day.isoformat()}" if day else ""
    return {
        "client_url": reverse("device-page", args=[device_id]) + query,
        "support_url": reverse("support-device", args=[device_id]) + query,
    }


def _day_total(user, device_id: uuid.UUID, day: dt.date, zone) -> float | None:
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    report = monitoring_selectors.consumption_report(
        device_id=device_id, user=user, start=start, end=end, bucket="hour", timezone=zone
    )
    return report.total


def reference_for(
    *, user, device_id: uuid.UUID, day: dt.date | None = None, alert_id: int | None = None
) -> dict:
    """The card of a meter, one of its days or one of its alerts, as `user` may see it."""
    zone = zoneinfo.ZoneInfo(user.timezone)
    if alert_id is not None:
        alert = monitoring_selectors.alert_get_visible(alert_id=alert_id, user=user)
        if alert is None:
            raise Http404("No such alert.")
        device_id = alert.device_id
    device = monitoring_selectors.device_visible_to(device_id=device_id, user=user)
    if device is None:
        raise Http404("No such meter.")
    name = _device_name(device_id)
    if alert_id is not None:
        hour = alert.hour_start.astimezone(zone)
        day = hour.date()
        period = f"{day.isoformat()} {hour:%H:%M}-{(hour + dt.timedelta(hours=1)):%H:%M}"
        kind, kwh, limit = "alert", float(alert.kwh), float(alert.max_hourly_kwh)
    elif day is not None:
        kind, period = "day", day.isoformat()
        kwh, limit = _day_total(user, device_id, day, zone), float(device.max_hourly_kwh)
    else:
        kind, period, kwh, limit = "meter", "the meter", None, float(device.max_hourly_kwh)
    return {
        "kind": kind,
        "device_id": str(device_id),
        "device_name": name,
        "period": f"{period} ({user.timezone})" if kind != "meter" else period,
        "date": day.isoformat() if day else None,
        "kwh": None if kwh is None else round(kwh, 3),
        "max_hourly_kwh": limit,
        **_links(device_id, day),
    }


def _default_question(reference: dict) -> str:
    if reference["kind"] == "alert":
        return (
            f"About the alert of {reference['device_name']} at {reference['period']}: "
            f"{reference['kwh']:.2f} kWh against a maximum of {reference['max_hourly_kwh']:.2f}"
            " kWh per hour. Could you look at it?"
        )
    if reference["kind"] == "day":
        return f"About {reference['device_name']} on {reference['period']}: could you look at it?"
    return f"About {reference['device_name']}: could you look at it?"


class AskAboutView(LoginRequiredMixin, View):
    """POST /chat/ask/ (a client): `device` and `date`, or `alert`; an optional `question`."""

    http_method_names = ["post"]

    def post(self, request):
        if request.user.is_staff:
            messages.warning(request, "“Ask about this” is for clients.")
            return redirect("staff-chat")
        form = request.POST
        try:
            alert_id = int(form["alert"]) if form.get("alert", "").isdigit() else None
            device_id = uuid.UUID(form["device"]) if form.get("device") else None
            day = dt.date.fromisoformat(form["date"]) if form.get("date") else None
        except (ValueError, OverflowError):
            raise Http404("No such meter, day or alert.") from None
        if alert_id is None and device_id is None:
            raise Http404("Say which meter, day or alert the question is about.")
        reference = reference_for(
            user=request.user, device_id=device_id, day=day, alert_id=alert_id
        )
        question = form.get("question", "").strip()[:QUESTION_MAX_LENGTH]
        conversation = chat_services.conversation_open_for_client(
            client_id=request.user.id, client_name=request.user.name
        )
        chat_services.message_send(
            conversation_id=conversation.id,
            sender_id=request.user.id,
            sender_name=request.user.name,
            sender_role=request.user.role,
            body=question or _default_question(reference),
            reference=reference,
        )
        messages.success(request, "Your question is in the chat; the support team sees the chart.")
        return redirect("chat-page")
