"""Read state only moves forward: receipts in any order, any number of times, end at the last."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.chat import services
from apps.chat.models import ReadState

pytestmark = pytest.mark.django_db(databases=["chat"])

_clients = itertools.count(10_000)


def _conversation_with_messages(count: int):
    client_id = next(_clients)
    conversation = services.conversation_open_for_client(client_id=client_id, client_name="C")
    ids = [
        services.message_send(
            conversation_id=conversation.id,
            sender_id=client_id,
            sender_name="C",
            sender_role="client",
            body=f"message {n}",
        ).id
        for n in range(count)
    ]
    return conversation, ids


@settings(max_examples=25, deadline=None)
@given(receipts=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=12))
def test_any_order_and_duplication_ends_at_the_newest_receipt(receipts):
    conversation, ids = _conversation_with_messages(5)
    newest_so_far = 0
    for position in receipts:
        advanced = services.read_state_advance(
            conversation_id=conversation.id,
            reader_id=1,
            reader_name="Ada",
            reader_role="admin",
            message_id=ids[position],
        )
        # A receipt is news (and pushed) exactly when it moves the state forward.
        assert advanced == (ids[position] > newest_so_far)
        newest_so_far = max(newest_so_far, ids[position])
    state = ReadState.objects.using("chat").get(conversation=conversation, user_id=1)
    assert state.last_read_message_id == ids[max(receipts)]


def test_a_message_of_another_conversation_cannot_be_marked_read():
    conversation, _ = _conversation_with_messages(1)
    _, other_ids = _conversation_with_messages(1)
    with pytest.raises(services.ChatError):
        services.read_state_advance(
            conversation_id=conversation.id,
            reader_id=1,
            reader_name="Ada",
            reader_role="admin",
            message_id=other_ids[0],
        )
