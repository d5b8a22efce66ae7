"""`/api/users/me/`: a person reads their own account, changes its time zone and password."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, self_service
from ..models import AlertMail
from .serializers import AccountOutputSerializer, TimezoneField


def _own_account(request):
    user = selectors.user_get(user_id=request.user.id)
    if user is None or not user.is_active:
        raise NotFound("Your account no longer exists.")
    return user


class OwnAccountOutputSerializer(AccountOutputSerializer):
    class Meta(AccountOutputSerializer.Meta):
        fields = [*AccountOutputSerializer.Meta.fields, *self_service.NOTIFICATION_FIELDS]
        read_only_fields = fields


class OwnAccountApi(APIView):
    permission_classes = [IsAuthenticated]

    class UpdateSerializer(serializers.Serializer):
        timezone = TimezoneField(
            required=False, help_text="An IANA time zone, e.g. Europe/Bucharest."
        )
        alert_mail = serializers.ChoiceField(
            choices=AlertMail.choices,
            required=False,
            help_text="E-mail about your alerts: immediately, in a daily digest, or off.",
        )
        quiet_hours_start = serializers.TimeField(
            required=False, allow_null=True, help_text="No alert mail from this local time..."
        )
        quiet_hours_end = serializers.TimeField(
            required=False, allow_null=True, help_text="...until this one (may cross midnight)."
        )

    @extend_schema(
        summary="Your own account",
        description="The account the access token belongs to.",
        responses={200: OwnAccountOutputSerializer},
    )
    def get(self, request):
        return Response(OwnAccountOutputSerializer(_own_account(request)).data)

    @extend_schema(
        summary="Change your time zone or alert e-mail",
        description=(
            "Days and hours of consumption are counted in this zone. Access tokens carry the "
            "zone as a claim: the new one appears in tokens issued from now on. `alert_mail` "
            "and the quiet hours decide when your alerts are mailed to you."
        ),
        request=UpdateSerializer,
        responses={200: OwnAccountOutputSerializer},
        examples=[
            OpenApiExample("A new zone", value={"timezone": "Europe/Lisbon"}),
            OpenApiExample(
                "Alert mail, not at night",
                value={
                    "alert_mail": "immediately",
                    "quiet_hours_start": "22:00",
                    "quiet_hours_end": "07:00",
                },
            ),
        ],
    )
    def patch(self, request):
        user = _own_account(request)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "timezone" in changes:
            user = self_service.own_timezone_change(user=user, timezone=changes.pop("timezone"))
        if changes:
            user = self_service.own_notifications_change(user=user, **changes)
        return Response(OwnAccountOutputSerializer(user).data)


class OwnPasswordApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        current_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        summary="Change your password",
        description=(
            "Checks the current password and the rules for a new one. Every refresh token of "
            "the account stops working and every browser session is signed out; access tokens "
            "already issued last until they expire (at most 15 minutes). Sign in again for a "
            "new pair."
        ),
        request=InputSerializer,
        responses={204: None},
        examples=[
            OpenApiExample(
                "A new password",
                value={"current_password": "old-secret-phrase", "new_password": "a-new-long-one-7"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        user = _own_account(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self_service.own_password_change(user=user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
