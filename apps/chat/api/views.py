"""HTTP interface of the chat: conversation lists and paged history, one class per operation."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ems.pagination import StandardPagination
from ems.permissions import is_admin

from .. import selectors
from ..broadcast import message_frame


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()


class ReferenceSerializer(serializers.Serializer):
    """What an "Ask about this" message is about, read by the web process when it was sent."""

    kind = serializers.ChoiceField(choices=["meter", "day", "alert"])
    device_id = serializers.UUIDField()
    device_name = serializers.CharField()
    period = serializers.CharField(help_text="In words, in the client's time zone.")
    date = serializers.DateField(allow_null=True)
    kwh = serializers.FloatField(allow_null=True)
    max_hourly_kwh = serializers.FloatField()
    client_url = serializers.CharField(help_text="The chart on the client's own page.")
    support_url = serializers.CharField(help_text="The same chart in the support view (staff).")


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField()
    body = serializers.CharField()
    reference = ReferenceSerializer(allow_null=True, required=False)
    created_at = serializers.DateTimeField()
    sender = PersonSerializer()


class ConversationListApi(APIView):
    permission_classes = [IsAuthenticated]
    # Also tells the OpenAPI schema that GET answers a page, not a bare list.
    pagination_class = StandardPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        client_id = serializers.IntegerField()
        client_name = serializers.CharField()
        created_at = serializers.DateTimeField()
        last_message_at = serializers.DateTimeField(allow_null=True)
        last_message = MessageOutputSerializer(allow_null=True)
        unread_count = serializers.IntegerField()
        last_read_message_id = serializers.IntegerField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request):
        conversations = selectors.conversation_list_for_user(
            user_id=request.user.id, is_admin=is_admin(request.user)
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(conversations, request, view=self)
        last_messages = selectors.messages_by_id(
            message_ids=[conversation.last_message_id for conversation in page]
        )
        rows = [
            {
                "id": conversation.id,
                "client_id": conversation.client_id,
                "client_name": conversation.client_name,
                "created_at": conversation.created_at,
                "last_message_at": conversation.last_message_at,
                "last_message": (
                    message_frame(last_messages[conversation.last_message_id])
                    if conversation.last_message_id in last_messages
                    else None
                ),
                "unread_count": conversation.unread_count,
                "last_read_message_id": conversation.last_read_id,
            }
            for conversation in page
        ]
        return paginator.get_paginated_response(self.OutputSerializer(rows, many=True).data)


class MessageListApi(APIView):
    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        before = serializers.IntegerField(required=False, min_value=1)
        after = serializers.IntegerField(required=False, min_value=0)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

        def validate(self, attrs):
            if "before" in attrs and "after" in attrs:
                raise serializers.ValidationError("Give `before` or `after`, not both.")
            return attrs

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField(help_text="Messages in the whole conversation.")
        next = serializers.CharField(allow_null=True, help_text="Newer messages.")
        previous = serializers.CharField(allow_null=True, help_text="Older messages.")
        other_side_read_up_to = serializers.IntegerField(
            help_text="The newest message id the other side has read (0: none)."
        )
        results = MessageOutputSerializer(many=True)

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer})
    def get(self, request, conversation_id: int):
        conversation = selectors.conversation_get_for_user(
            conversation_id=conversation_id,
            user_id=request.user.id,
            is_admin=is_admin(request.user),
        )
        if conversation is None:
            raise NotFound("No such conversation.")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page_size = filters.validated_data["page_size"]
        page = selectors.message_page(
            conversation_id=conversation.id,
            limit=page_size,
            before=filters.validated_data.get("before"),
            after=filters.validated_data.get("after"),
        )
        messages = page.messages

        def link(**query) -> str:
            return request.build_absolute_uri(
                f"{request.path}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
                f"&page_size={page_size}"
            )

        data = {
            "count": page.total,
            "next": link(after=messages[-1].id) if page.has_newer and messages else None,
            "previous": link(before=messages[0].id) if page.has_older and messages else None,
            "other_side_read_up_to": selectors.other_side_read_up_to(
                conversation=conversation, is_admin=is_admin(request.user)
            ),
            "results": [message_frame(message) for message in messages],
        }
        return Response(self.OutputSerializer(data).data)
