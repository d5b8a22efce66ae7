"""Demo meters for the local one-command run. Never called by migrations or production.

The limits are chosen so that alerts happen: a household's evening peak (oven, kettle, washing
machine) goes above 2-3 kWh in an hour now and then, and the replay of sensor.csv (hours of
7-170 kWh, median 70) goes above 120 kWh in about one hour out of ten. Two meters are there for
what the demo shows in its first minutes (docs/monitoring.md, "The demo"): a warning that becomes
an alert (the kiln) and a meter that goes silent and comes back (the garage).
"""

import uuid
from decimal import Decimal

from apps.users import selectors as user_selectors
from ems.vocabulary import MeterKind

from . import selectors, services
from .models import Device

# Fixed ids, so the simulator and a person can refer to the demo meters across re-runs.
_NAMESPACE = uuid.UUID("6f1c2f4e-6a55-4b5e-9d8e-2f0c7c3d9a10")

DEMO_DEVICES = [
    {
        "key": "alice-apartment",
        "owner": "alice",
        "description": "Alice: apartment main meter",
        "address": "Str. Memorandumului 28, Cluj-Napoca",
        "max_hourly_kwh": Decimal("2.000"),
        "meter_kind": MeterKind.INDEX,
    },
    {
        "key": "alice-workshop",
        "owner": "alice",
        "description": "Alice: workshop (sensor.csv replay)",
        "address": "Str. Fabricii 9, Cluj-Napoca",
        "max_hourly_kwh": Decimal("120.000"),
        "meter_kind": MeterKind.INDEX,
    },
    {
        "key": "bob-house",
        "owner": "bob",
        "description": "Bob: house with heat pump",
        "address": "Bd. Eroilor 15, Brașov",
        "max_hourly_kwh": Decimal("3.000"),
        "meter_kind": MeterKind.INTERVAL,
    },
    {
        # The simulator overloads it (Procfile, --overload ...=1.05): the hour the demo starts in
        # and the next run steadily 5 % over the limit, so a warning comes within its first
        # minutes and turns into an alert at the end of the hour.
        "key": "alice-kiln",
        "owner": "alice",
        "description": "Alice: pottery kiln",
        "address": "Str. Fabricii 9, Cluj-Napoca (annex)",
        "max_hourly_kwh": Decimal("4.000"),
        "meter_kind": MeterKind.INTERVAL,
    },
    {
        # The simulator keeps it quiet for the demo's first ten minutes (Procfile, --quiet):
        # a `silent` alert after three missed readings, resolved when it sends what it held back.
        "key": "bob-garage",
        "owner": "bob",
        "description": "Bob: garage sub-meter",
        "address": "Bd. Eroilor 15, Brașov (garage)",
        "max_hourly_kwh": Decimal("1.500"),
        "meter_kind": MeterKind.INDEX,
    },
    {
        "key": "spare",
        "owner": None,
        "description": "Spare meter (not installed)",
        "address": "Warehouse",
        "max_hourly_kwh": Decimal("5.000"),
        "meter_kind": MeterKind.INDEX,
    },
]


def demo_device_id(key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, key)


def seed_demo_devices() -> list[Device]:
    """Create the demo meters that are missing; existing ones are left as they are."""
    devices = []
    for spec in DEMO_DEVICES:
        device_id = demo_device_id(spec["key"])
        existing = selectors.device_get(device_id=device_id)
        if existing is not None:
            devices.append(existing)
            continue
        owner = spec["owner"] and user_selectors.user_get_by_username(username=spec["owner"])
        devices.append(
            services.device_create(
                device_id=device_id,
                description=spec["description"],
                address=spec["address"],
                max_hourly_kwh=spec["max_hourly_kwh"],
                meter_kind=spec["meter_kind"],
                owner_id=owner.id if owner else None,
            )
        )
    return devices
