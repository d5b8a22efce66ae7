"""Channel-layer group names shared by the senders (workers) and the WebSocket consumers."""

ADMINS_GROUP = "admins"

# A message holding several events for one group, in their order (`events`: each a message of
# its own type): a batch of readings sends each group one message, not one per alert or meter.
EVENTS_BATCH = "events.batch"
EVENTS_PER_BATCH = 100


def user_group(user_id: int) -> str:
    """The group of every socket a signed-in user has open."""
    return f"user.{user_id}"


# Live demand (apps/monitoring/demand.py) has groups of its own: frequent, and of no interest
# to whoever listens for alerts on the groups above.
ADMINS_DEMAND_GROUP = "admins.demand"


def demand_group(user_id: int) -> str:
    """The group of the sockets that show a user's meters' current power."""
    return f"demand.{user_id}"
