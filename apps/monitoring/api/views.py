"""HTTP interface of monitoring: ingestion, consumption reports, alerts. Views parse and call."""

import csv
import datetime as dt
import functools
import io
import json
import uuid
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from ems.pagination import StandardPagination
from ems.permissions import is_admin

from .. import demand, importing, selectors, services
from ..models import AlertKind, AlertState
from .authentication import DevicePrincipal, DeviceTokenAuthentication


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class IsDeviceOrAdmin(BasePermission):
    message = "Only a device's ingestion token or an administrator may post readings."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, DevicePrincipal) or is_admin(request.user)


class ReadingsIngestApi(APIView):
    # JWT first: its `Bearer` challenge makes an anonymous request a 401.
    authentication_classes = [JWTStatelessUserAuthentication, DeviceTokenAuthentication]
    permission_classes = [IsDeviceOrAdmin]
    # The body is read and parsed here, to answer 413 and 400 precisely (never a 500).
    parser_classes = []

    class OutputSerializer(serializers.Serializer):
        accepted = serializers.IntegerField()
        rejected = serializers.IntegerField()
        reasons = serializers.DictField(child=serializers.IntegerField())

    @extend_schema(
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={202: OutputSerializer},
        description=(
            "Accepts a list of readings. 202 means the accepted ones are stored durably and will "
            "be counted exactly once; rejected ones are quarantined with a reason. 503 (with "
            "Retry-After) means nothing was accepted: send the same readings again later."
        ),
    )
    def post(self, request):
        readings = self._readings(request)
        device = request.user.device if isinstance(request.user, DevicePrincipal) else None
        # 202 only once the readings are committed; a database that is down answers 503
        # (ems/exceptions.py) and nothing was accepted.
        acceptance = services.readings_accept(
            raw_readings=readings, only_device_id=device.id if device else None
        )
        data = self.OutputSerializer(acceptance).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    def _readings(self, request) -> list:
        limit = settings.MONITORING_HTTP_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(f"The body may be at most {limit} bytes.")
        try:
            body = request.body
        except RequestDataTooBig as error:
            raise PayloadTooLarge(f"The body may be at most {limit} bytes.") from error
        if len(body) > limit:
            raise PayloadTooLarge(f"The body may be at most {limit} bytes.")
        try:
            readings = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(f"Malformed JSON: {error}") from error
        except RecursionError as error:
            raise exceptions.ParseError("Malformed JSON: nested too deeply.") from error
        if not isinstance(readings, list):
            raise exceptions.ParseError("The body must be a JSON list of readings.")
        most = settings.MONITORING_HTTP_MAX_READINGS
        if len(readings) > most:
            raise PayloadTooLarge(f"At most {most} readings per request.")
        return readings


class ReadingsImportApi(APIView):
    """POST /api/readings/import/?device=<uuid>&format=csv|jsonl: a meter's history, any age.

    The body is the file itself, read line by line as it arrives (never whole in memory) and
    imported in chunks through the same arithmetic as live readings (importing.py).
    """

    authentication_classes = [JWTStatelessUserAuthentication, DeviceTokenAuthentication]
    permission_classes = [IsDeviceOrAdmin]
    parser_classes = []

    class FilterSerializer(serializers.Serializer):
        device = serializers.UUIDField()
        format = serializers.ChoiceField(choices=list(importing.FORMATS), default="csv")

    def perform_content_negotiation(self, request, force=False):
        # `format` names the file's format here, not the answer's (always JSON).
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[FilterSerializer],
        request={"text/csv": {"type": "string"}, "application/x-ndjson": {"type": "string"}},
        responses={200: dict},
        description=(
            "Imports a file of one meter's readings (CSV `timestamp,measurement_value` or JSON "
            "lines), not limited to the live window. Idempotent. Lines that cannot be imported "
            "are quarantined and named with their line numbers; hours over the limit are "
            "recorded as acknowledged alerts and not pushed."
        ),
    )
    def post(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        device_id = filters.validated_data["device"]
        if isinstance(request.user, DevicePrincipal):
            if request.user.device.id != device_id:
                raise exceptions.PermissionDenied("This token is for another meter.")
        else:
            device = selectors.device_infos(device_ids=[device_id]).get(device_id)
            if device is None or device.deleted:
                raise exceptions.NotFound("No such device.")
        try:
            result = importing.readings_import(
                device_id=device_id,
                # The WSGI input, line by line: request.body would hold the whole file.
                lines=iter(request._request.readline, b""),
                file_format=filters.validated_data["format"],
            )
        except importing.ImportFormatError as error:
            raise exceptions.ParseError(str(error)) from error
        return Response(result.as_dict())


MAX_BUCKETS = {"hour": 31 * 24 + 1, "day": 366, "month": 120}
MAX_RANGE_TEXT = {"hour": "31 days", "day": "366 days", "month": "120 months"}


@functools.cache
def _zone_names() -> frozenset[str]:
    # The zone database's own list: ZoneInfo() also opens what is not a zone ("America" is a
    # directory, a 500) and would accept any file name under the zone path.
    return frozenset(available_timezones())


def _timezone(name: str) -> ZoneInfo:
    if name not in _zone_names():
        raise exceptions.ValidationError({"tz": [f"Unknown time zone {name!r}."]})
    return ZoneInfo(name)


class DayField(serializers.DateField):
    """A local day a consumption query may name (selectors.EARLIEST_DAY to LATEST_DAY)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not selectors.EARLIEST_DAY <= day <= selectors.LATEST_DAY:
            raise serializers.ValidationError(
                f"Give a day from {selectors.EARLIEST_DAY} to {selectors.LATEST_DAY}."
            )
        return day


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


class ConsumptionApi(APIView):
    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        date = DayField(required=False)
        # `from` is a Python keyword: the field is renamed here and back in its errors.
        from_ = DayField(required=False)
        to = DayField(required=False)
        bucket = serializers.ChoiceField(choices=list(MAX_BUCKETS), required=False)
        tz = serializers.CharField(required=False, max_length=64)

        def to_internal_value(self, data):
            data = data.copy()
            if "from" in data:
                data["from_"] = data["from"]
            try:
                return super().to_internal_value(data)
            except serializers.ValidationError as error:
                if isinstance(error.detail, dict) and "from_" in error.detail:
                    error.detail["from"] = error.detail.pop("from_")
                raise

        def validate(self, attrs):
            if "date" in attrs:
                if {"from_", "to"} & attrs.keys():
                    raise serializers.ValidationError("Give either date or from and to, not both.")
                return attrs
            if not {"from_", "to"} <= attrs.keys():
                raise serializers.ValidationError("Give date=YYYY-MM-DD, or from= and to=.")
            if attrs["to"] < attrs["from_"]:
                raise serializers.ValidationError({"to": ["to is before from."]})
            return attrs

    class BucketSerializer(serializers.Serializer):
        start = serializers.DateTimeField()
        kwh = serializers.FloatField()

    def perform_content_negotiation(self, request, force=False):
        # format=csv is answered with a plain CSV HttpResponse; its errors are still JSON.
        if request.query_params.get("format") == "csv":
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="A local day: its hours"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Report: first local day"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Report: last local day"),
            OpenApiParameter("bucket", str, enum=list(MAX_BUCKETS), description="Report buckets"),
            OpenApiParameter("tz", str, description="IANA time zone (default: the token's)"),
            OpenApiParameter("format", str, enum=["json", "csv"]),
        ],
        responses={200: dict},
    )
    def get(self, request, device_id: uuid.UUID):
        device = selectors.device_visible_to(device_id=device_id, user=request.user)
        if device is None:
            raise exceptions.NotFound("No such device.")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        query = filters.validated_data
        zone = _timezone(query.get("tz") or request.user.timezone or "UTC")
        if "date" in query:
            bucket, first, last = "hour", query["date"], query["date"]
            start, end = first, first + dt.timedelta(days=1)
        else:
            bucket, first, last = query.get("bucket", "day"), query["from_"], query["to"]
            start, end = first, last + dt.timedelta(days=1)
            if bucket == "month":
                start, end = _month_start(first), _next_month(last)
            count = _months_between(start, end) if bucket == "month" else (end - start).days
            count = count * 24 if bucket == "hour" else count
            if count > MAX_BUCKETS[bucket]:
                raise exceptions.ValidationError(
                    {
                        "to": [
                            f"With bucket={bucket} the range may span at most "
                            f"{MAX_RANGE_TEXT[bucket]}."
                        ]
                    }
                )
        # Clipped to the hours the caller may read (their ownership periods; all for admins).
        report = selectors.consumption_report(
            device_id=device.id,
            user=request.user,
            start=_local_midnight(start, zone),
            end=_local_midnight(end, zone),
            bucket=bucket,
            timezone=zone,
            device=device,
        )
        buckets, total = report.buckets, report.total
        if request.query_params.get("format") == "csv":
            return self._csv(device.id, first, last, bucket, report, "date" in query)
        body = {"device": str(device.id), "timezone": zone.key, "unit": "kWh"}
        body |= _visibility(report.visible)
        body["coverage"] = {
            "hours": report.hours_expected,
            "hours_with_data": report.hours_with_data,
        }
        # Costs: null when the meter has no tariff (docs/monitoring.md, "Costs and tariffs").
        body |= {
            "currency": report.currency,
            "total_cost": report.total_cost,
            "standing_charge": report.standing_charge,
        }
        if "date" in query:
            body |= {"date": first.isoformat(), "hours": buckets, "total": total}
        else:
            body |= {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "bucket": bucket,
                "buckets": buckets,
                "total": total,
            }
        return Response(body)

    def _csv(self, device_id, first, last, bucket, report, single_day) -> HttpResponse:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["start", "kwh", "estimated", "cost", "currency"])
        # Buckets the caller may not read and those that have not begun are left out
        # (docs/monitoring.md, "Ownership periods"); a gap is an empty cell, never 0.
        writer.writerows(
            [
                bucket_row["start"],
                "" if bucket_row["kwh"] is None else f"{bucket_row['kwh']:.8f}",
                "true" if bucket_row["estimated"] else "false",
                "" if bucket_row.get("cost") is None else f"{bucket_row['cost']:.4f}",
                report.currency or "",
            ]
            for bucket_row in report.buckets
            if not bucket_row.get("hidden") and not bucket_row.get("future")
        )
        span = first.isoformat() if single_day else f"{first.isoformat()}_{last.isoformat()}"
        filename = f"consumption-{device_id}-{span}-{bucket}.csv"
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class DemandApi(APIView):
    """GET /api/devices/{id}/consumption/demand/: the meter's current power (demand.py), for
    its owner and administrators (a former owner's period is over: live power is not theirs)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request, device_id: uuid.UUID):
        device = selectors.device_visible_to(device_id=device_id, user=request.user)
        if device is None or not (request.user.is_admin or device.owner_id == request.user.id):
            raise exceptions.NotFound("No such device.")
        found = demand.demands(device_ids=[device.id])
        if not found:
            return Response({"device": str(device.id), "kw": None, "at": None, "stale": True})
        return Response(found[0].payload())


def _visibility(stretches: list) -> dict:
    """Which part of the answer the caller may read: `visible_from`/`visible_to` (null if none)
    and every stretch, when their ownership periods leave gaps in it."""
    return {
        "visible_from": stretches[0][0].isoformat() if stretches else None,
        "visible_to": stretches[-1][1].isoformat() if stretches else None,
        "visible_periods": [
            {"start": low.isoformat(), "end": high.isoformat()} for low, high in stretches
        ],
    }


class FormerDeviceListApi(APIView):
    """GET /api/devices/former/: meters the caller owned once, with the hours they may read."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    class OutputSerializer(serializers.Serializer):
        class PeriodSerializer(serializers.Serializer):
            start = serializers.DateTimeField(allow_null=True)
            end = serializers.DateTimeField()

        id = serializers.UUIDField()
        description = serializers.CharField()
        meter_kind = serializers.CharField()
        max_hourly_kwh = serializers.DecimalField(max_digits=12, decimal_places=3)
        periods = PeriodSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request):
        devices = selectors.devices_formerly_owned(user=request.user)
        rows = [
            device.__dict__
            | {"periods": [{"start": low, "end": high} for low, high in device.periods]}
            for device in devices
        ]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class AlertOutputSerializer(serializers.Serializer):
    """The alert on the wire; also the `alert` of the channel-layer message."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=AlertKind.choices,
        help_text="over_limit: the hour's energy; warning: the hour's projected total (kwh); "
        "silent: no reading since hour_start",
    )
    device = serializers.UUIDField()
    description = serializers.CharField(help_text="The meter's description")
    owner = serializers.IntegerField(
        allow_null=True, help_text="The account the alert was sent to (null: staff only)"
    )
    hour_start = serializers.DateTimeField()
    kwh = serializers.FloatField()
    max_hourly_kwh = serializers.FloatField()
    state = serializers.ChoiceField(choices=AlertState.choices)
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField(help_text="Written when it was acknowledged (may be empty)")
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(
        allow_null=True, help_text="When a silence ended or a warning was settled"
    )

    def to_representation(self, instance):
        return services.alert_payload(instance)


def _since(value: str) -> dict:
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    if value.isascii() and value.isdigit():
        return {"since_id": int(value)}
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as error:
        raise exceptions.ValidationError(
            {"since": ["Give an alert id or an ISO 8601 time with offset."]}
        ) from error
    if moment.tzinfo is None:
        raise exceptions.ValidationError({"since": ["The time needs a UTC offset."]})
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (up to ±23:59).
        moment = moment.astimezone(dt.UTC)
    except OverflowError as error:
        raise exceptions.ValidationError(
            {"since": ["The time is outside the years 1 to 9999 once in UTC."]}
        ) from error
    return {"since_time": moment}


class AlertListApi(APIView):
    permission_classes = [IsAuthenticated]
    # Also tells the OpenAPI schema that GET answers a page, not a bare list.
    pagination_class = StandardPagination

    class FilterSerializer(serializers.Serializer):
        device = serializers.UUIDField(required=False)
        acknowledged = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="false: the open alerts; true: the acknowledged ones",
        )
        state = serializers.ChoiceField(choices=AlertState.choices, required=False)
        kind = serializers.ChoiceField(choices=AlertKind.choices, required=False)
        since = serializers.CharField(required=False, max_length=64)

    @extend_schema(parameters=[FilterSerializer], responses={200: AlertOutputSerializer(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        query = filters.validated_data
        since = _since(query["since"]) if query.get("since") else {}
        alerts = selectors.alert_list(
            user=request.user,
            device_id=query.get("device"),
            acknowledged=query.get("acknowledged"),
            state=query.get("state"),
            kind=query.get("kind"),
            **since,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(alerts, request, view=self)
        return paginator.get_paginated_response(AlertOutputSerializer(page, many=True).data)


class AcknowledgementSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default="", trim_whitespace=True
    )


class AlertAcknowledgeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=AcknowledgementSerializer,
        responses={200: AlertOutputSerializer},
        description="Acknowledge an open alert, with an optional comment (the first one stays).",
    )
    def post(self, request, alert_id: int):
        body = AcknowledgementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = selectors.alert_get_visible(alert_id=alert_id, user=request.user)
        if alert is None:
            raise exceptions.NotFound("No such alert.")
        services.alert_acknowledge(alert=alert, comment=body.validated_data["comment"])
        alert = selectors.alert_get_visible(alert_id=alert_id, user=request.user)
        return Response(AlertOutputSerializer(alert).data)


class AlertAcknowledgeAllApi(APIView):
    """Acknowledge every open alert the caller sees at once, or those of one meter."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(AcknowledgementSerializer):
        device = serializers.UUIDField(required=False, help_text="Only this meter's alerts")

    class OutputSerializer(serializers.Serializer):
        acknowledged = serializers.IntegerField(help_text="How many alerts were acknowledged")

    @extend_schema(
        operation_id="alerts_acknowledge_all",
        request=InputSerializer,
        responses={200: OutputSerializer},
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        device_id = body.validated_data.get("device")
        if device_id is not None and not selectors.device_visible_to(
            device_id=device_id, user=request.user
        ):
            raise exceptions.NotFound("No such device.")
        alerts = selectors.alert_list(user=request.user, device_id=device_id, acknowledged=False)
        count = services.alerts_acknowledge(alerts=alerts, comment=body.validated_data["comment"])
        return Response({"acknowledged": count})
