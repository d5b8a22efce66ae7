"""Acknowledging an alert from its reference card in the chat: the alert is acknowledged
(monitoring) and a line saying so is posted in that conversation (chat), for both sides to see.

A web-process view (it reaches monitoring's and chat's databases, each through its app's
services), called by the card's button with the session and its CSRF token.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views import View

from apps.chat import selectors as chat_selectors
from apps.chat import services as chat_services
from apps.monitoring import selectors as monitoring_selectors
from apps.monitoring import services as monitoring_services


def acknowledged_line(*, reference: dict, name: str) -> str:
    return f"Alert of {reference['device_name']} at {reference['period']} acknowledged by {name}."


class ChatAlertAcknowledgeView(LoginRequiredMixin, View):
    """POST /chat/<conversation>/alerts/<alert>/acknowledge/: `{acknowledged, state}`; the line
    is posted only by the acknowledgement that changed the alert (never twice)."""

    http_method_names = ["post"]

    def post(self, request, conversation_id: int, alert_id: int):
        user = request.user
        conversation = chat_selectors.conversation_get_for_user(
            conversation_id=conversation_id, user_id=user.id, is_admin=user.is_admin
        )
        reference = conversation and chat_selectors.alert_reference_in(
            conversation_id=conversation.id, alert_id=alert_id
        )
        alert = reference and monitoring_selectors.alert_get_visible(alert_id=alert_id, user=user)
        if not alert:
            return JsonResponse({"detail": "No such alert in this conversation."}, status=404)
        acknowledged = monitoring_services.alert_acknowledge_if_open(alert=alert)
        if acknowledged:
            chat_services.message_send(
                conversation_id=conversation.id,
                sender_id=user.id,
                sender_name=user.name or user.username,
                sender_role=user.role,
                body=acknowledged_line(reference=reference, name=user.name or user.username),
            )
        state = monitoring_selectors.alert_get_visible(alert_id=alert_id, user=user).state
        return JsonResponse({"acknowledged": acknowledged, "state": state})
