"""Load the demo data of the local run (accounts, meters) and print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.devices.demo import seed_demo_devices
from apps.users.demo import DEMO_ACCOUNTS, seed_demo_accounts
from apps.users.selectors import accounts_by_id


class Command(BaseCommand):
    help = "Create demo accounts (and the apps' demo data). For local demos only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo is for the local demo (DEBUG on), never production.")
        seed_demo_accounts()
        self.stdout.write("Demo logins:")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {account['role']:<7} {account['username']:<8} password {account['password']}"
            )
        devices = seed_demo_devices()
        owners = accounts_by_id(user_ids={device.owner_id for device in devices})
        self.stdout.write("Demo meters (id, owner, limit):")
        for device in devices:
            owner = owners[device.owner_id].username if device.owner_id in owners else "unassigned"
            limit = f"{device.max_hourly_kwh} kWh/h"
            self.stdout.write(f"  {device.id}  {owner:<10} {limit:>14}  {device}")
