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
from simulator.sources import CsvReplay, LoadProfile, csv_offset, read_index_csv

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def replay(text: str) -> tuple[uuid.UUID, str]:
    """`DEVICE=PATH`: that device replays the CSV file; the others follow load profiles."""
    device, _, path = text.partition("=")
    try:
        return uuid.UUID(device), path
    except ValueError as error:
        raise CommandError(f"{text!r} is not DEVICE_UUID=PATH") from error


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
        parser.add_argument("--no-live", action="store_true", help="stop after the backfill")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--spike-probability", type=float, default=0.02)

    def handle(self, *args, **options):
        interval = options["interval"]
        csv_values = index_values(options["csv"]) if options["csv"] else None
        replays = {device_id: index_values(path) for device_id, path in options["replay"]}

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
