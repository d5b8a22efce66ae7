"""Simulated meters handing their readings to monitoring's inbox (see docs/monitoring.md)."""

import datetime as dt
import re
import signal
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from apps.monitoring import selectors
from apps.monitoring.services import readings_enqueue
from ems.vocabulary import MeterKind
from simulator.meters import SimulatedMeter
from simulator.publisher import Publisher
from simulator.runner import Simulation
from simulator.sources import CsvReplay, LoadProfile, Overload, csv_offset, read_index_csv

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def device_and(text: str, convert, shape: str):
    """`DEVICE=VALUE`: the device's id and its value, converted; anything else is refused."""
    device, _, value = text.partition("=")
    try:
        return uuid.UUID(device), convert(value)
    except (ValueError, CommandError) as error:
        raise CommandError(f"{text!r} is not {shape}") from error


def replay(text: str) -> tuple[uuid.UUID, str]:
    """`DEVICE=PATH`: that device replays the CSV file; the others follow load profiles."""
    return device_and(text, str, "DEVICE_UUID=PATH")


def overload(text: str) -> tuple[uuid.UUID, float]:
    """`DEVICE=FACTOR`: that device draws FACTOR times its limit for two hours (see --help)."""
    device, factor = device_and(text, float, "DEVICE_UUID=FACTOR, like ...=1.05")
    if not 0 < factor <= 10:
        raise CommandError(f"{text!r}: the factor is a number above 0 and at most 10")
    return device, factor


def quiet(text: str) -> tuple[uuid.UUID, dt.timedelta]:
    """`DEVICE=DURATION`: that device sends nothing for DURATION once live (see --help)."""
    return device_and(text, duration, "DEVICE_UUID=DURATION, like ...=10m")


def index_values(path: str) -> list[float]:
    """The values of a file to replay; a file that cannot be read stops the simulator.

    A meter asked to replay a file never quietly follows a load profile instead: its data
    would look real and be made up.
    """
    try:
        return read_index_csv(path)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot replay {path}: {error}") from error


def duration(text: str) -> dt.timedelta:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise CommandError(f"{text!r} is not a duration like 30s, 10m, 2h or 30d")
    return dt.timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "Simulate smart meters: publish readings as Celery tasks on the readings queue. "
        "Without --device, drives every assigned device of monitoring's projection."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--device",
            action="append",
            type=uuid.UUID,
            default=[],
            help="a device id (repeatable); then no database is read",
        )
        parser.add_argument(
            "--max-kwh",
            type=float,
            default=1.0,
            help="the limit assumed for --device meters (spikes exceed it)",
        )
        parser.add_argument(
            "--meter-kind",
            choices=MeterKind.values,
            default=MeterKind.INDEX,
            help="the kind of the --device meters",
        )
        parser.add_argument("--csv", help="replay a file of index values, one per line")
        parser.add_argument(
            "--replay",
            type=replay,
            action="append",
            default=[],
            metavar="DEVICE=PATH",
            help="this device replays that CSV file (repeatable); the others use load profiles",
        )
        parser.add_argument(
            "--csv-step",
            type=duration,
            default=dt.timedelta(minutes=10),
            help="the time between two lines of a replayed file (sensor.csv: 10m)",
        )
        parser.add_argument("--interval", type=duration, default=dt.timedelta(minutes=10))
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="simulated seconds per real second in live mode",
        )
        parser.add_argument(
            "--backfill",
            type=duration,
            default=None,
            help="publish this much history first, e.g. 30d",
        )
        parser.add_argument(
            "--overload",
            type=overload,
            action="append",
            default=[],
            metavar="DEVICE=FACTOR",
            help="this device draws FACTOR times its limit, steadily, through the hour the "
            "simulator starts in and the next: a warning while such an hour runs, then an "
            "alert (repeatable; the demo's warning)",
        )
        parser.add_argument(
            "--quiet",
            type=quiet,
            action="append",
            default=[],
            metavar="DEVICE=DURATION",
            help="once live, this device sends nothing for DURATION, then everything it held "
            "back: a silent meter, then its silence resolved (repeatable; the demo's)",
        )
        parser.add_argument("--no-live", action="store_true", help="stop after the backfill")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--spike-probability", type=float, default=0.02)

    def handle(self, *args, **options):
        interval = options["interval"]
        csv_values = index_values(options["csv"]) if options["csv"] else None
        replays = {device_id: index_values(path) for device_id, path in options["replay"]}
        overloads = dict(options["overload"])
        # The overloaded hours: the one the simulator starts in and the next (UTC hours, like
        # the hourly table's), so a start in an hour's last minutes still shows a warning soon.
        overload_from = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)

        def meter(device_id, max_kwh, kind):
            values = replays.get(device_id, csv_values)
            if values:
                source = CsvReplay(
                    values=values,
                    offset=csv_offset(device_id, len(values)),
                    # The file's own period, whatever the reading interval: one line is the
                    # energy of csv_step, spread over the readings that fall in it.
                    step=options["csv_step"],
                )
            else:
                source = LoadProfile(
                    device_id=device_id,
                    max_hourly_kwh=max_kwh,
                    spike_probability=options["spike_probability"],
                )
            if device_id in overloads:
                source = Overload(
                    base=source,
                    max_hourly_kwh=max_kwh,
                    factor=overloads[device_id],
                    start=overload_from,
                )
            return SimulatedMeter(device_id=device_id, source=source, meter_kind=kind)

        def meters():
            if options["device"]:
                return [
                    meter(device_id, options["max_kwh"], options["meter_kind"])
                    for device_id in options["device"]
                ]
            return [
                meter(device.id, float(device.max_hourly_kwh), device.meter_kind)
                for device in selectors.devices_assigned()
            ]

        def send(batch):
            # Durable once it returns, like a meter's 202. A database that is down raises: the
            # publisher keeps the batch and backs off. A connection broken by an outage is
            # replaced first (a request does this between requests; this loop has none).
            connections["monitoring"].close_if_unusable_or_obsolete()
            readings_enqueue(readings=batch)

        publisher = Publisher(send=send, stderr=self.stderr)
        simulation = Simulation(
            meters=meters,
            publisher=publisher,
            interval=interval,
            batch_size=options["batch_size"],
            speed=options["speed"],
            quiet=dict(options["quiet"]),
        )
        self.stderr.write(f"simulating {len(simulation.meters)} meters every {interval}")
        # honcho and docker stop processes with SIGTERM: stop as cleanly as on Ctrl-C.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            last = dt.datetime.now(dt.UTC)
            if options["backfill"]:
                last = simulation.backfill(options["backfill"])
            if not options["no_live"]:
                simulation.live(start=last)
        except KeyboardInterrupt:
            simulation.stopping = True
            self.stderr.write("stopping: sending what is buffered (5 s at most)")
        publisher.drain(timeout=5)
        self.stdout.write(
            f"sent {publisher.sent_readings} readings in {publisher.sent_batches} batches; "
            f"{publisher.buffered_readings} readings not sent"
        )
