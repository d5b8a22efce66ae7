"""Demo accounts for the local one-command run. Never called by migrations or production."""

from ems.vocabulary import Role

from . import selectors, services
from .models import User

DEMO_ACCOUNTS = [
    {"username": "admin", "password": "admin-demo-2026", "name": "Ada Admin", "role": Role.ADMIN},
    # The clients have addresses (example.org: reserved, never delivered), so the demo shows its
    # alert e-mails: the local settings print them in the worker's output.
    {
        "username": "alice",
        "password": "alice-demo-2026",
        "name": "Alice Popescu",
        "email": "alice@example.org",
        "role": Role.CLIENT,
    },
    {
        "username": "bob",
        "password": "bob-demo-2026",
        "name": "Bob Ionescu",
        "email": "bob@example.org",
        "role": Role.CLIENT,
    },
]


def seed_demo_accounts() -> list[User]:
    """Create the demo accounts that are missing; existing ones are left as they are."""
    users = []
    for account in DEMO_ACCOUNTS:
        existing = selectors.user_get_by_username(username=account["username"])
        users.append(existing or services.user_create(**account))
    return users
