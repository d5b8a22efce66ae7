"""Devices API: one class per operation, parsing input and calling services and selectors.

Administrators have full CRUD and assign with PATCH {"owner": id | null}; a client may list and
read only their own devices (another's is 404, any write 403). Authentication is the stateless
JWT; nothing here reads the users database except the owner check of an assignment.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ems.pagination import StandardPagination
from ems.permissions import IsAdmin, is_admin
from ems.vocabulary import MeterKind

from .. import selectors, services
from ..models import MAX_HOURLY_KWH, MIN_HOURLY_KWH, Device

MAX_USER_ID = 2**63 - 1


class ReadOrAdmin(BasePermission):
    """Any signed-in user may read (what they may see); only administrators may write."""

    message = "Only administrators may change devices."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return is_admin(request.user)


class DeviceOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    description = serializers.CharField()
    address = serializers.CharField()
    max_hourly_kwh = serializers.DecimalField(max_digits=12, decimal_places=3)
    meter_kind = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)


class MaxHourlyKwhField(serializers.DecimalField):
    def __init__(self, **kwargs):
        message = (
            f"The maximum hourly consumption must be between {MIN_HOURLY_KWH} "
            f"and {MAX_HOURLY_KWH} kWh."
        )
        super().__init__(
            max_digits=12,
            decimal_places=3,
            min_value=MIN_HOURLY_KWH,
            max_value=MAX_HOURLY_KWH,
            error_messages={"min_value": message, "max_value": message},
            **kwargs,
        )


class OwnerField(serializers.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_USER_ID, allow_null=True, **kwargs)


def _device_or_404(request, device_id) -> Device:
    if is_admin(request.user):
        device = selectors.device_get(device_id=device_id)
    else:
        device = selectors.device_get_for_client(device_id=device_id, client_id=request.user.id)
    if device is None:
        raise NotFound("No device with that id.")
    return device


class DeviceListCreateApi(APIView):
    permission_classes = [ReadOrAdmin]
    # Also tells the OpenAPI schema that GET answers a page, not a bare list.
    pagination_class = StandardPagination

    class FilterSerializer(serializers.Serializer):
        # owner, unassigned and meter_kind narrow an administrator's list; a client's list is
        # always their own devices.
        owner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_USER_ID)
        unassigned = serializers.BooleanField(required=False, allow_null=True, default=None)
        meter_kind = serializers.ChoiceField(choices=MeterKind.choices, required=False)
        search = serializers.CharField(required=False, max_length=200)

    class InputSerializer(serializers.Serializer):
        id = serializers.UUIDField(required=False)
        description = serializers.CharField(max_length=200)
        address = serializers.CharField(max_length=255, required=False, allow_blank=True)
        max_hourly_kwh = MaxHourlyKwhField()
        meter_kind = serializers.ChoiceField(choices=MeterKind.choices, required=False)
        owner = OwnerField(required=False)

    @extend_schema(
        parameters=[FilterSerializer], responses={200: DeviceOutputSerializer(many=True)}
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if is_admin(request.user):
            devices = selectors.device_list(**filters.validated_data)
        else:
            search = filters.validated_data.get("search")
            devices = selectors.device_list_for_client(client_id=request.user.id, search=search)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(devices, request, view=self)
        return paginator.get_paginated_response(DeviceOutputSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: DeviceOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "id" in fields:
            fields["device_id"] = fields.pop("id")
        if "owner" in fields:
            fields["owner_id"] = fields.pop("owner")
        device = services.device_create(**fields)
        return Response(DeviceOutputSerializer(device).data, status=status.HTTP_201_CREATED)


class DeviceDetailApi(APIView):
    permission_classes = [ReadOrAdmin]

    class UpdateSerializer(serializers.Serializer):
        description = serializers.CharField(max_length=200, required=False)
        address = serializers.CharField(max_length=255, required=False, allow_blank=True)
        max_hourly_kwh = MaxHourlyKwhField(required=False)
        meter_kind = serializers.ChoiceField(choices=MeterKind.choices, required=False)
        owner = OwnerField(required=False)

    @extend_schema(responses={200: DeviceOutputSerializer})
    def get(self, request, device_id):
        return Response(DeviceOutputSerializer(_device_or_404(request, device_id)).data)

    @extend_schema(request=UpdateSerializer, responses={200: DeviceOutputSerializer})
    def patch(self, request, device_id):
        device = _device_or_404(request, device_id)
        data = self.UpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "owner" in changes:
            changes["owner_id"] = changes.pop("owner")
        device = services.device_update(device=device, data=changes)
        return Response(DeviceOutputSerializer(device).data)

    @extend_schema(responses={204: None})
    def delete(self, request, device_id):
        services.device_delete(device=_device_or_404(request, device_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceIngestionTokenApi(APIView):
    """Issue (POST) or revoke (DELETE) the token a real meter sends with its readings."""

    permission_classes = [IsAdmin]

    class OutputSerializer(serializers.Serializer):
        device = serializers.UUIDField()
        token = serializers.CharField()
        detail = serializers.CharField()

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request, device_id):
        device = _device_or_404(request, device_id)
        token = services.device_ingestion_token_issue(device=device)
        body = {
            "device": device.id,
            "token": token,
            "detail": "Store this token now: it is shown only once. Any older token stops working.",
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, device_id):
        device = _device_or_404(request, device_id)
        services.device_ingestion_token_revoke(device=device)
        return Response(status=status.HTTP_204_NO_CONTENT)
