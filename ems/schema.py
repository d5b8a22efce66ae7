"""OpenAPI schema generation: names for the per-view nested serializers (HackSoft style)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        # `TokenObtainApi.InputSerializer` becomes `TokenObtainInput`: every view nests its own
        # InputSerializer, and the schema needs one distinct component name per class.
        qualified = serializer.__class__.__qualname__
        if "." in qualified:
            outer, inner = qualified.rsplit(".", 1)
            return outer.removesuffix("Api") + inner
        return super().get_serializer_name(serializer, direction)
