"""`/ws/notifications/`: live alerts for the signed-in user (an administrator: every alert).

The monitoring worker stores an alert, then sends `{"type": "alert.created", "alert": {...}}`
to the owner's group and to the administrators' group (`alert.withdrawn` when late data brought
the hour to or below its limit); this consumer only forwards them, as frames of type `alert` and
`alert.withdrawn`, so it needs no database at all.
"""

from collections import deque

from ems.groups import ADMINS_GROUP, user_group

from .consumers import AuthenticatedJsonConsumer

# An administrator who also owns the device is in both groups: remember recent changes to
# forward each once.
_REMEMBERED_ALERTS = 256


class NotificationsConsumer(AuthenticatedJsonConsumer):
    async def groups_for_user(self) -> list[str]:
        self.recent_alert_changes = deque(maxlen=_REMEMBERED_ALERTS)
        groups = [user_group(self.user.id)]
        if self.user.is_admin:
            groups.append(ADMINS_GROUP)
        return groups

    async def alert_created(self, event: dict) -> None:
        await self._forward("alert", event)

    async def alert_withdrawn(self, event: dict) -> None:
        await self._forward("alert.withdrawn", event)

    async def _forward(self, frame_type: str, event: dict) -> None:
        alert = event.get("alert")
        if not isinstance(alert, dict):
            return
        # The same change of the same alert, once (an alert may be raised, withdrawn and
        # reopened: each change is news).
        change = (frame_type, alert.get("id"), alert.get("state"), alert.get("withdrawn_at"))
        if alert.get("id") is not None:
            if change in self.recent_alert_changes:
                return
            self.recent_alert_changes.append(change)
        await self.send_json(
            {**{k: v for k, v in alert.items() if k != "type"}, "type": frame_type}
        )
