"""Support views: staff see a client's meters and a meter's page as the client sees them,
read-only and marked as such (the client's own pages send staff to the admin)."""

import datetime as dt
import re
import zoneinfo

from django.http import Http404

from apps.chat import services as chat_services
from apps.devices import selectors as device_selectors
from apps.monitoring import selectors as monitoring_selectors
from apps.users import selectors as user_selectors

from .views import StaffPageView

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _client(owner_id: int | None) -> dict:
    user = user_selectors.user_get(user_id=owner_id) if owner_id is not None else None
    if user is None:
        return {"id": None, "name": "", "timezone": ""}
    return {"id": user.id, "name": user.name or user.username, "timezone": user.timezone}


def _day(raw: str | None, hour: str | None, zone_name: str) -> tuple[str, str]:
    """(the day to show, a notice): `?date=YYYY-MM-DD`, or `?hour=<ISO instant>` as the day it
    falls on in the client's zone (the link from an alert)."""
    earliest, latest = monitoring_selectors.EARLIEST_DAY, monitoring_selectors.LATEST_DAY
    day = None
    if hour:
        try:
            instant = dt.datetime.fromisoformat(hour)
            if instant.tzinfo is not None and zone_name:
                day = instant.astimezone(zoneinfo.ZoneInfo(zone_name)).date()
        except (ValueError, OverflowError):
            day = None
    elif raw:
        try:
            day = dt.date.fromisoformat(raw) if ISO_DAY.fullmatch(raw) else None
        except ValueError:
            day = None
    if day is not None and earliest <= day <= latest:
        return day.isoformat(), ""
    if raw or hour:
        return "", f"The day in the address is not one from {earliest} to {latest}; showing today."
    return "", ""


class SupportDeviceView(StaffPageView):
    template_name = "web/device.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = device_selectors.device_get(device_id=self.kwargs["device_id"])
        if device is None:
            raise Http404("No such meter.")
        client = _client(device.owner_id)
        zone = client["timezone"] or self.request.user.timezone
        date, error = _day(self.request.GET.get("date"), self.request.GET.get("hour"), zone)
        return context | {
            "support": {"client": client, "timezone": zone, "device": device},
            "display_timezone": zone,
            "date": date,
            "date_error": error,
            "earliest": monitoring_selectors.EARLIEST_DAY,
            "latest": monitoring_selectors.LATEST_DAY,
        }


class SupportClientView(StaffPageView):
    """A client's meters, each opening the support view; reached from the chat and the fleet."""

    template_name = "staff/support_client.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        client = user_selectors.user_get(user_id=self.kwargs["user_id"])
        if client is None or client.is_admin:
            raise Http404("No such client.")
        return context | {
            "client": client,
            "devices": list(device_selectors.device_list(owner=client.id)),
        }


class StaffChatView(StaffPageView):
    """/staff/chat/; `?client=<id>` opens that client's conversation, starting it if the client
    never wrote (staff can reach any client first)."""

    template_name = "staff/chat.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("client", "")
        if not (raw.isascii() and raw.isdigit()):
            return context
        client = user_selectors.user_get(user_id=int(raw))
        if client is None or client.is_admin:
            raise Http404("No such client.")
        conversation = chat_services.conversation_open_for_client(
            client_id=client.id, client_name=client.name
        )
        return context | {"open_conversation": conversation.id}
