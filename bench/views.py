"""Baseline for the read benchmarks: DRF with the same JWT authentication and no query."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class NoQueryApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.id, "hours": []})
