"""WebSocket routes of the chat, gathered by ems/websocket_routing.py."""

from django.urls import path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/", ChatConsumer.as_asgi()),
]
