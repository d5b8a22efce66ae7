"""The demo data: meters for the demo clients and one spare, created once however often it runs."""

import io
import shlex

import pytest
from django.core.management import call_command
from django.test import override_settings

from apps.devices.demo import demo_device_id, seed_demo_devices
from apps.devices.models import Device
from apps.users.demo import seed_demo_accounts
from apps.users.selectors import user_get_by_username
from tests.paths import REPOSITORY

pytestmark = pytest.mark.django_db(databases=["default", "devices"])


def test_the_demo_clients_get_meters_and_one_stays_unassigned():
    seed_demo_accounts()
    seed_demo_devices()
    alice = user_get_by_username(username="alice")
    bob = user_get_by_username(username="bob")
    assert Device.objects.filter(owner_id=alice.id).count() >= 1
    assert Device.objects.filter(owner_id=bob.id).count() >= 1
    assert Device.objects.filter(owner_id__isnull=True).count() >= 1


def test_a_household_evening_peak_goes_above_a_demo_limit():
    seed_demo_accounts()
    limits = [device.max_hourly_kwh for device in seed_demo_devices()]
    # An evening with an oven (2 kWh), a kettle and a washing machine uses about 3.5 kWh.
    assert min(limits) < 3.5


def test_seeding_twice_creates_nothing_more():
    seed_demo_accounts()
    first = {device.id: device.version for device in seed_demo_devices()}
    second = {device.id: device.version for device in seed_demo_devices()}
    assert first == second
    assert Device.objects.count() == len(first)


@override_settings(DEBUG=True)
def test_the_seed_command_prints_the_meters():
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    printed = output.getvalue()
    for device in Device.objects.all():
        assert str(device.id) in printed
    assert "unassigned" in printed


def _procfile_simulator_arguments() -> list[str]:
    procfile = (REPOSITORY / "Procfile").read_text().splitlines()
    line = next(line for line in procfile if line.startswith("simulator:"))
    return shlex.split(line.partition(":")[2])


def _values_of(arguments: list[str], option: str) -> dict[str, str]:
    pairs = [arguments[k + 1] for k, name in enumerate(arguments) if name == option]
    return dict(pair.partition("=")[::2] for pair in pairs)


def test_the_demos_simulator_overloads_the_kiln_and_quiets_the_garage_of_assigned_meters():
    # What the demo shows in its first minutes (docs/monitoring.md, "The demo"): a warning then
    # an alert on Alice's kiln, a silence on Bob's garage; both must be assigned demo meters.
    seed_demo_accounts()
    devices = {str(device.id): device for device in seed_demo_devices()}
    arguments = _procfile_simulator_arguments()
    overloaded = _values_of(arguments, "--overload")
    quiet = _values_of(arguments, "--quiet")
    assert overloaded == {str(demo_device_id("alice-kiln")): "1.05"}
    assert quiet == {str(demo_device_id("bob-garage")): "10m"}
    for device_id in (*overloaded, *quiet):
        assert devices[device_id].owner_id is not None
    # The demo's meters send a reading a minute, and the demo says so to the alert checks.
    assert arguments[arguments.index("--interval") + 1] == "1m"
    run = (REPOSITORY / "scripts" / "run.sh").read_text()
    assert "MONITORING_NOMINAL_INTERVAL_SECONDS:-60}" in run
