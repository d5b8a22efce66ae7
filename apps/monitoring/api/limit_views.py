"""GET /api/devices/{id}/consumption/limit-suggestion/: a limit that fits, for administrators."""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ems.permissions import IsAdmin

from .. import limit_suggestion

EXAMPLE = {
    "device": "8a6e0f7c-3d2b-4c1e-9f5a-1b2c3d4e5f60",
    "current_max_hourly_kwh": "2.000",
    "suggested_max_hourly_kwh": "3.300",
    "history_hours": 1344,
    "rule": "highest 99% percentile of the same hour of the week (UTC) over the last 8 weeks, "
    "plus 10%",
    "alerts_last_30_days": {"current": 41, "suggested": 0},
    "since": "2026-11-01T21:00:00+00:00",
    "until": "2026-12-01T21:00:00+00:00",
}


class LimitSuggestionApi(APIView):
    permission_classes = [IsAuthenticated, IsAdmin]

    @extend_schema(
        operation_id="device_consumption_limit_suggestion",
        description=(
            "A `max_hourly_kwh` that fits the meter's measured history (docs/monitoring.md, "
            '"Limits that fit"), and how many over-limit alerts the current and the suggested '
            "limit would have raised in the last 30 days. `suggested_max_hourly_kwh` is null "
            "when the meter has less than two weeks of measured hours. Administrators only "
            "(403 otherwise); 404 for an unknown or deleted meter."
        ),
        responses={200: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("A meter whose limit was set too low", value=EXAMPLE)],
    )
    def get(self, request, device_id: uuid.UUID):
        found = limit_suggestion.limit_suggestion(device_id=device_id)
        if found is None:
            raise exceptions.NotFound("No such device.")
        return Response(found.payload())
