"""Channel-layer group names shared by the senders (workers) and the WebSocket consumers."""

ADMINS_GROUP = "admins"


def user_group(user_id: int) -> str:
    """The group of every socket a signed-in user has open."""
    return f"user.{user_id}"
