"""`/ws/notifications/`: live alerts for the signed-in user (an administrator: every alert).

The monitoring worker stores an alert, then sends `{"type": "alert.created", "alert": {...}}`
to the owner's group and to the administrators' group; this consumer only forwards it, so it
needs no database at all.
"""

from collections import deque

from ems.groups import ADMINS_GROUP, user_group

from .consumers import AuthenticatedJsonConsumer

# An administrator who also owns the device is in both groups: remember recent ids to forward
# each alert once.
_REMEMBERED_ALERTS = 256


class NotificationsConsumer(AuthenticatedJsonConsumer):
    async def groups_for_user(self) -> list[str]:
        self.recent_alert_ids = deque(maxlen=_REMEMBERED_ALERTS)
        groups = [user_group(self.user.id)]
        if self.user.is_admin:
            groups.append(ADMINS_GROUP)
        return groups

    async def alert_created(self, event: dict) -> None:
        alert = event.get("alert")
        if not isinstance(alert, dict):
            return
        alert_id = alert.get("id")
        if alert_id is not None:
            if alert_id in self.recent_alert_ids:
                return
            self.recent_alert_ids.append(alert_id)
        await self.send_json({"type": "alert", **{k: v for k, v in alert.items() if k != "type"}})
