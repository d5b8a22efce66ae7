"""Load the demo data of the local run (accounts, meters) and print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.users.demo import DEMO_ACCOUNTS, seed_demo_accounts


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
