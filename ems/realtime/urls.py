"""REST route of the realtime plumbing, mounted under /api/ by ems/urls.py."""

from django.urls import path

from .api import WebSocketTicketApi

urlpatterns = [
    path("ws-ticket/", WebSocketTicketApi.as_view(), name="ws-ticket"),
]
