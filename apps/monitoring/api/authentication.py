"""Authentication of a meter by its ingestion token: `Authorization: Device <token>`."""

import hashlib
from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ..selectors import DeviceInfo, device_by_token_hash

KEYWORD = b"device"


@dataclass(frozen=True)
class DevicePrincipal:
    """The authenticated caller when a meter posts its own readings."""

    device: DeviceInfo
    role: str = "device"
    is_authenticated: bool = True
    is_admin: bool = False


class DeviceTokenAuthentication(BaseAuthentication):
    """Looks the token up by its SHA-256 in monitoring's projection (no raw token is stored)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Expected 'Authorization: Device <token>'.")
        token_hash = hashlib.sha256(parts[1]).hexdigest()
        device = device_by_token_hash(token_hash=token_hash)
        if device is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked device token.")
        return DevicePrincipal(device=device), None

    def authenticate_header(self, request) -> str:
        return "Device"


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """Shows the device token in the OpenAPI schema (/api/docs/)."""

    target_class = "apps.monitoring.api.authentication.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <ingestion token>`: a meter posting its own readings.",
        }
