"""Management commands of the foundation: createsuperuser, demo data, production checks."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from apps.users.models import User
from ems.vocabulary import Role

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_createsuperuser_makes_an_administrator():
    call_command(
        "createsuperuser",
        interactive=False,
        username="boss",
        name="The Boss",
        verbosity=0,
    )
    boss = User.objects.get(username="boss")
    assert boss.role == Role.ADMIN
    assert boss.is_staff
    assert boss.is_superuser


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_without_debug():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db(databases=["default", "devices"])
@override_settings(DEBUG=True)
def test_seed_demo_creates_one_admin_and_two_clients_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    roles = sorted(User.objects.values_list("role", flat=True))
    assert roles == ["admin", "client", "client"]
    assert "alice" in capsys.readouterr().out


@pytest.mark.django_db(databases=["default", "devices"])
@override_settings(DEBUG=True)
def test_the_demo_clients_have_addresses_so_their_alert_mails_show_in_the_demo():
    call_command("seed_demo")
    clients = User.objects.filter(role="client")
    assert sorted(clients.values_list("email", flat=True)) == [
        "alice@example.org",
        "bob@example.org",
    ]
