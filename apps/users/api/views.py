"""HTTP interface of the users app: one class per operation, parsing input and calling services."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ems.exceptions import CredentialsRefused
from ems.pagination import StandardPagination
from ems.permissions import IsAdmin
from ems.vocabulary import Role

from .. import selectors, services
from .serializers import (
    AccountOutputSerializer,
    RefreshInputSerializer,
    RoleField,
    TimezoneField,
    TokenPairSerializer,
)
from .throttles import RegistrationThrottle


class RegisterApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RegistrationThrottle]

    class InputSerializer(serializers.Serializer):
        # Only these fields are read: role, is_staff or is_superuser in the body are ignored.
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
        name = serializers.CharField(max_length=150)
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        timezone = TimezoneField(required=False, help_text="IANA zone; the default if omitted.")

    @extend_schema(request=InputSerializer, responses={201: AccountOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        if not data.is_valid():
            # Every field error at once: also what the account's rules say of the fields that
            # passed here (a taken username, a weak password), not only after a second try.
            raise ApiValidationError(_with_account_errors(data))
        user = services.user_register(**data.validated_data)
        return Response(AccountOutputSerializer(user).data, status=status.HTTP_201_CREATED)


def _with_account_errors(data: serializers.Serializer) -> dict:
    errors = dict(data.errors)
    if not isinstance(data.initial_data, dict):
        return errors
    values = {}
    for name, field in data.fields.items():
        if name in errors:
            continue
        try:
            values[name] = field.run_validation(data.initial_data.get(name, serializers.empty))
        except (ApiValidationError, serializers.SkipField):
            # SkipField: an optional field left out (the time zone).
            continue
    account = services.user_registration_errors(
        username=values.get("username", ""),
        password=values.get("password", ""),
        name=values.get("name", ""),
        email=values.get("email", ""),
    )
    for name, messages in account.items():
        if name in values:
            errors[name] = messages
    return errors


def _without_session(request) -> None:
    if hasattr(request, "session"):
        del request.session


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        # Stateless: where the process installs the session middleware (web, all), django-axes'
        # record of the sign-in would otherwise create a database session to hash its key into
        # the record, and the middleware would answer with a `sessionid` cookie.
        _without_session(request._request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tokens = services.auth_token_obtain(request=request._request, **data.validated_data)
        except services.AuthenticationError as error:
            raise CredentialsRefused(str(error)) from error
        return Response(tokens)


class TokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=RefreshInputSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tokens = services.auth_token_refresh(refresh=data.validated_data["refresh"])
        except services.AuthenticationError as error:
            raise CredentialsRefused(str(error)) from error
        return Response(tokens)


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefreshInputSerializer, responses={205: None})
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.auth_logout(refresh=data.validated_data["refresh"], user_id=request.user.id)
        except services.AuthenticationError as error:
            raise ApiValidationError({"refresh": [str(error)]}) from error
        return Response(status=status.HTTP_205_RESET_CONTENT)


def _get_user_or_404(user_id: int):
    user = selectors.user_get(user_id=user_id)
    if user is None:
        raise NotFound("No account with that id.")
    return user


class UserListCreateApi(APIView):
    permission_classes = [IsAdmin]
    # Also tells the OpenAPI schema that GET answers a page, not a bare list.
    pagination_class = StandardPagination

    class FilterSerializer(serializers.Serializer):
        role = RoleField(required=False)
        is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
        search = serializers.CharField(required=False, max_length=150)

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
        name = serializers.CharField(max_length=150)
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        role = RoleField(required=False, default=Role.CLIENT)
        timezone = TimezoneField(required=False)
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(
        parameters=[FilterSerializer], responses={200: AccountOutputSerializer(many=True)}
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        users = selectors.user_list(**filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(users, request, view=self)
        return paginator.get_paginated_response(AccountOutputSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: AccountOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(**data.validated_data)
        return Response(AccountOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailApi(APIView):
    permission_classes = [IsAdmin]

    class UpdateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=150, required=False)
        email = serializers.EmailField(required=False, allow_blank=True)
        role = RoleField(required=False)
        timezone = TimezoneField(required=False)
        is_active = serializers.BooleanField(required=False)
        password = serializers.CharField(
            write_only=True, max_length=128, trim_whitespace=False, required=False
        )

    @extend_schema(responses={200: AccountOutputSerializer})
    def get(self, request, user_id: int):
        return Response(AccountOutputSerializer(_get_user_or_404(user_id)).data)

    @extend_schema(request=UpdateSerializer, responses={200: AccountOutputSerializer})
    def patch(self, request, user_id: int):
        user = _get_user_or_404(user_id)
        data = self.UpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update(
            user=user, data=dict(data.validated_data), acting_user_id=request.user.id
        )
        return Response(AccountOutputSerializer(user).data)

    @extend_schema(responses={204: None})
    def delete(self, request, user_id: int):
        services.user_delete(user=_get_user_or_404(user_id), acting_user_id=request.user.id)
        return Response(status=status.HTTP_204_NO_CONTENT)
