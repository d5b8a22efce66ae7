"""`/ws/notifications/`: live alerts for the signed-in user (an administrator: every alert).

The monitoring worker stores an alert, then sends `{"type": "alert.created", "alert": {...}}`
to the owner's group and to the administrators' group (`alert.withdrawn` when late data brought
the hour to or below its limit; `alert.updated` when a silence ended or a warning was settled);
this consumer only forwards them, as frames of type `alert`, `alert.withdrawn` and
`alert.updated`, so it needs no database at all. After each batch of live readings it also
sends a meter's current power (`demand.updated`, throttled per meter), forwarded as `demand`.
Several events of one batch for one group come as one `events.batch` message, forwarded as the
frames of its events in their order (a client sees no difference).
The chat's `chat.unread` events (a new message for this person, or their read position moved)
are forwarded too: every page's nav badge reads the unread count again.
"""

from collections import OrderedDict

from ems.groups import ADMINS_DEMAND_GROUP, ADMINS_GROUP, demand_group, user_group

from .consumers import AuthenticatedJsonConsumer

# How many alerts' last change a socket remembers (see _forward).
_REMEMBERED_ALERTS = 256
# The events an `events.batch` message may hold, and their handlers.
_BATCHED = {
    "alert.created": "alert_created",
    "alert.withdrawn": "alert_withdrawn",
    "alert.updated": "alert_updated",
    "demand.updated": "demand_updated",
    "chat.unread": "chat_unread",
}


class NotificationsConsumer(AuthenticatedJsonConsumer):
    async def groups_for_user(self) -> list[str]:
        self.last_changes: OrderedDict[object, tuple] = OrderedDict()
        groups = [user_group(self.user.id), demand_group(self.user.id)]
        if self.user.is_admin:
            groups += [ADMINS_GROUP, ADMINS_DEMAND_GROUP]
        return groups

    async def alert_created(self, event: dict) -> None:
        await self._forward("alert", event)

    async def alert_withdrawn(self, event: dict) -> None:
        await self._forward("alert.withdrawn", event)

    async def alert_updated(self, event: dict) -> None:
        # A silent meter's alert resolved, a warning settled: the alert's new state.
        await self._forward("alert.updated", event)

    async def demand_updated(self, event: dict) -> None:
        # A meter's current power (apps/monitoring/demand.py), already throttled per meter. An
        # administrator who owns the meter gets it twice (both groups): once is enough.
        demand = event.get("demand")
        if not isinstance(demand, dict):
            return
        key = ("demand", demand.get("device"), demand.get("at"))
        if self.last_changes.get(key) is not None:
            return
        self.last_changes[key] = True
        while len(self.last_changes) > _REMEMBERED_ALERTS:
            self.last_changes.popitem(last=False)
        await self.send_json({**demand, "type": "demand"})

    async def events_batch(self, event: dict) -> None:
        # Several of the events above for one of this socket's groups, in their order
        # (apps/monitoring/services.push_messages). Another type inside is ignored.
        events = event.get("events")
        for inner in events if isinstance(events, list) else ():
            kind = inner.get("type") if isinstance(inner, dict) else None
            if kind in _BATCHED:
                await getattr(self, _BATCHED[kind])(inner)

    async def chat_unread(self, event: dict) -> None:
        # A conversation's unread count changed (apps.chat.services): the page reads it again.
        await self.send_json({"type": "chat.unread", "conversation": event.get("conversation")})

    async def _forward(self, frame_type: str, event: dict) -> None:
        alert = event.get("alert")
        if not isinstance(alert, dict):
            return
        # An administrator who owns the device gets each change twice in a row (both groups):
        # forward it once. A change that differs from the last one of that alert (raised,
        # withdrawn, raised again) is news.
        alert_id = alert.get("id")
        change = (
            frame_type,
            alert.get("state"),
            alert.get("withdrawn_at"),
            alert.get("resolved_at"),
        )
        if alert_id is not None:
            if self.last_changes.get(alert_id) == change:
                return
            self.last_changes[alert_id] = change
            self.last_changes.move_to_end(alert_id)
            while len(self.last_changes) > _REMEMBERED_ALERTS:
                self.last_changes.popitem(last=False)
        fields = {key: value for key, value in alert.items() if key != "type"}
        await self.send_json({**fields, "type": frame_type})
