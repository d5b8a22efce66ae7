"""Shapes of accounts on the wire. No serializer ever outputs the password hash."""

from rest_framework import serializers

from ems.vocabulary import Role

from ..models import User, validate_timezone

ACCOUNT_FIELDS = ["id", "username", "name", "email", "role", "timezone", "is_active"]


class AccountOutputSerializer(serializers.ModelSerializer):
    # Not an EmailField: the schema would promise an address, and an account may have none ("").
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = User
        fields = ACCOUNT_FIELDS
        read_only_fields = ACCOUNT_FIELDS


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=64, validators=[validate_timezone], **kwargs)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RoleField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, **kwargs)
