"""Events the users app publishes for other apps (they hold copies of facts about accounts).

Sent by task name on the `devices` queue (ems/events.py), so this app never imports another
app's code. The devices app consumes ACCOUNT_CHANGED to unassign or hide a person's meters.
"""

from django.db import connections

from ems.events import ACCOUNT_CHANGED, DEVICES_QUEUE
from ems.publish import event_publish_on_commit


def _next_event_version() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT nextval('users_account_event_seq')")
        return cursor.fetchone()[0]


def publish_account_changed(*, user_id: int, is_active: bool, role: str, deleted: bool) -> None:
    """Publish after the users transaction commits, so no consumer sees an uncommitted change.

    `version` comes from a database sequence taken inside the change's transaction: a receiver
    that gets two events of one account out of order keeps the newer one.
    """
    payload = {
        "user_id": user_id,
        "is_active": is_active,
        "role": role,
        "deleted": deleted,
        "version": _next_event_version(),
    }
    # A broker failure after the commit is logged, not raised (ems/publish.py): the change stands.
    event_publish_on_commit(
        name=ACCOUNT_CHANGED, payload=payload, queue=DEVICES_QUEUE, using="default"
    )
