"""Simulated meters: realistic profiles, CSV replay, the same readings whenever they are made."""

import datetime as dt
import io
import itertools
import time
import uuid

import pytest

from simulator.meters import SimulatedMeter
from simulator.publisher import Publisher
from simulator.sources import CsvReplay, LoadProfile, read_index_csv
from tests.paths import SENSOR_CSV

SENSOR = SENSOR_CSV
MONDAY = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def test_a_profile_stays_below_the_limit_except_for_rare_spikes():
    profile = LoadProfile(device_id=uuid.uuid4(), max_hourly_kwh=2.0, spike_probability=0.05)
    hours = [profile.hourly_kwh(MONDAY + k * H) for k in range(24 * 60)]
    spikes = [kwh for kwh in hours if kwh > 2.0]
    assert all(kwh > 0 for kwh in hours)
    assert 0 < len(spikes) < len(hours) * 0.1
    assert max(kwh for kwh in hours if kwh <= 2.0) < 2.0 * 0.9


def test_a_profile_has_an_evening_peak_and_busier_weekends():
    profile = LoadProfile(device_id=uuid.uuid4(), max_hourly_kwh=1.0, spike_probability=0)
    weekday = [profile.hourly_kwh(MONDAY + k * H) for k in range(24)]
    saturday = [profile.hourly_kwh(MONDAY + 5 * 24 * H + k * H) for k in range(24)]
    assert weekday[20] > weekday[3] * 1.5
    assert sum(saturday) > sum(weekday)


def test_a_csv_replay_reproduces_the_files_increments_from_its_offset():
    values = read_index_csv(SENSOR)
    step = dt.timedelta(minutes=10)
    replay = CsvReplay(values=values, offset=0, step=step)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    # A loop is one step per increment (lines - 1): after whole loops it starts at line 1 again.
    first = epoch + step * (10 * (len(values) - 1))
    energies = [replay.energy(first + k * step, first + (k + 1) * step) for k in range(5)]
    assert energies == pytest.approx([b - a for a, b in itertools.pairwise(values[:6])])
    assert replay.energy(first, first + 5 * step) == pytest.approx(values[5] - values[0])


def test_an_index_meter_publishes_the_same_value_for_a_time_whenever_it_is_asked():
    device = uuid.uuid4()
    at = MONDAY + 10 * H
    interval = dt.timedelta(minutes=10)
    early = SimulatedMeter(device_id=device, source=LoadProfile(device_id=device, max_hourly_kwh=1))
    early.reading_at(at - 30 * H, interval)
    late = SimulatedMeter(device_id=device, source=LoadProfile(device_id=device, max_hourly_kwh=1))
    assert early.reading_at(at, interval) == late.reading_at(at, interval)
    assert (
        early.reading_at(at + interval, interval)["measurement_value"]
        > late.reading_at(at, interval)["measurement_value"]
    )


def test_a_destination_that_is_down_loses_nothing_and_says_so():
    sent, attempts, now = [], [], [0.0]

    def broker(batch):
        attempts.append(batch)
        if len(attempts) <= 2:
            raise ConnectionError("connection refused")
        sent.append(batch)

    def sleep(seconds):
        now[0] += seconds

    stderr = io.StringIO()
    publisher = Publisher(
        send=broker, stderr=stderr, max_buffered_readings=2, clock=lambda: now[0], sleep=sleep
    )
    publisher.publish([{"n": 1}])
    publisher.publish([{"n": 2}, {"n": 3}])
    assert sent == [[{"n": 1}], [{"n": 2}, {"n": 3}]]
    assert (publisher.sent_readings, publisher.buffered_readings) == (3, 0)
    assert "ingestion unavailable" in stderr.getvalue()
    assert "ingestion is back" in stderr.getvalue()


def test_a_device_assigned_while_running_gets_its_backfill_then_live_readings():
    from simulator.runner import Simulation

    published = []
    devices = [[uuid.uuid4()]]

    def meters():
        return [
            SimulatedMeter(device_id=d, source=LoadProfile(device_id=d, max_hourly_kwh=1))
            for d in devices[0]
        ]

    simulation = Simulation(
        meters=meters,
        publisher=Publisher(send=published.append),
        interval=dt.timedelta(minutes=10),
        now=lambda: MONDAY + 12 * H,
    )
    simulation.backfill(2 * H)
    assert sum(map(len, published)) == 12
    newcomer = uuid.uuid4()
    devices[0] = [devices[0][0], newcomer]
    simulation._refresh_meters()
    assert sum(map(len, published)) == 24
    assert {r["device_id"] for r in published[-1]} == {str(newcomer)}
    assert len(simulation.meters) == 2


def test_live_mode_publishes_consecutive_steps_at_the_chosen_speed():
    import threading

    from simulator.runner import Simulation

    published = []
    device = uuid.uuid4()
    simulation = Simulation(
        meters=lambda: [
            SimulatedMeter(device_id=device, source=LoadProfile(device_id=device, max_hourly_kwh=1))
        ],
        publisher=Publisher(send=published.append),
        interval=dt.timedelta(minutes=10),
        speed=60 * 60,  # an hour per second: a reading every 1/6 s
    )
    runner = threading.Thread(target=simulation.live, kwargs={"start": MONDAY})
    runner.start()
    deadline = time.monotonic() + 5
    while sum(map(len, published)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    simulation.stopping = True
    runner.join(timeout=5)
    stamps = [reading["timestamp"] for batch in published for reading in batch]
    assert len(stamps) >= 4
    assert stamps[0] == int((MONDAY + dt.timedelta(minutes=10)).timestamp() * 1000)
    assert all(b - a == 600_000 for a, b in itertools.pairwise(stamps))
