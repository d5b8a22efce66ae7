"""`POST /api/ws-ticket/`: trade a browser session (or a JWT) for a single-use socket ticket."""

import time

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from .auth import TICKET_PROTOCOL
from .tickets import ticket_issue


class WebSocketTicketApi(APIView):
    # The session is how the dashboard's pages are signed in; reading it needs the users
    # database, which is why tickets are issued here and not by the realtime process.
    # SessionAuthentication enforces CSRF, so another site cannot obtain a ticket.
    authentication_classes = [JWTStatelessUserAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        ticket = serializers.CharField()
        protocol = serializers.CharField()
        expires_in = serializers.IntegerField(help_text="Seconds the ticket may be redeemed in.")

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request):
        user = request.user
        if request.auth is not None and "exp" in request.auth:
            # A socket opened with a JWT's ticket lives no longer than the JWT itself.
            expires_at = int(request.auth["exp"])
        else:
            # A session lasts weeks; its socket is held to an access token's lifetime, so a
            # deactivated account or a changed role reaches sockets as soon as it reaches APIs.
            lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
            expires_at = int(time.time() + lifetime)
        ticket = ticket_issue(
            user_id=user.id,
            role=user.role,
            name=user.name,
            timezone=user.timezone,
            expires_at=expires_at,
        )
        data = {
            "ticket": ticket,
            "protocol": TICKET_PROTOCOL,
            "expires_in": settings.EMS_WS_TICKET_SECONDS,
        }
        return Response(self.OutputSerializer(data).data)
