"""All WebSocket routes of the project, gathered from the apps that serve sockets."""

websocket_urlpatterns: list = []
