"""REST routes of this app, mounted under /api/ by ems/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "chat/conversations/",
        views.ConversationListApi.as_view(),
        name="chat-conversation-list",
    ),
    path(
        "chat/conversations/<int:conversation_id>/messages/",
        views.MessageListApi.as_view(),
        name="chat-message-list",
    ),
]
