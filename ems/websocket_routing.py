"""All WebSocket routes of the project, gathered from the apps that serve sockets."""

from django.urls import path

from apps.chat.routing import websocket_urlpatterns as chat_urlpatterns

from .realtime.notifications import NotificationsConsumer

websocket_urlpatterns: list = [
    # Live alerts are monitoring's data, but this socket only forwards channel-layer events:
    # it lives with the realtime plumbing, not in the monitoring app (docs/realtime.md).
    path("ws/notifications/", NotificationsConsumer.as_asgi()),
    *chat_urlpatterns,
]
