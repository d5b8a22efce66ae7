"""Events the users app publishes for other apps (they hold copies of facts about accounts).

Sent by task name on the `events` queue (ems/events.py), so this app never imports another
app's code. The devices app consumes ACCOUNT_CHANGED to unassign or hide a person's meters.
"""

from django.db import transaction

from ems.celery import app as celery_app
from ems.events import ACCOUNT_CHANGED, EVENTS_QUEUE


def publish_account_changed(*, user_id: int, is_active: bool, role: str, deleted: bool) -> None:
    """Publish after the users transaction commits, so no consumer sees an uncommitted change."""
    payload = {"user_id": user_id, "is_active": is_active, "role": role, "deleted": deleted}

    def send() -> None:
        celery_app.send_task(ACCOUNT_CHANGED, kwargs=payload, queue=EVENTS_QUEUE)

    transaction.on_commit(send, using="default")
