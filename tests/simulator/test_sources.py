"""Simulated meters: realistic profiles, CSV replay, the same readings whenever they are made."""

import datetime as dt
import io
import itertools
import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.meters import SimulatedMeter
from simulator.publisher import Publisher
from simulator.sources import CsvReplay, LoadProfile, Overload, read_index_csv
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


class _Flat:
    """A base source of 1 kWh an hour."""

    def energy(self, start, end):
        return (end - start).total_seconds() / 3600


@given(
    cuts=st.lists(st.integers(min_value=0, max_value=6 * 3600), min_size=1, max_size=6),
)
def test_an_overload_draws_its_factor_inside_its_hours_and_follows_its_base_outside(cuts):
    start = MONDAY + 2 * H
    overload = Overload(base=_Flat(), max_hourly_kwh=4.0, factor=1.05, start=start, hours=2)
    # Inside the two hours: 4.2 kWh an hour; before and after: the base's 1 kWh an hour.
    assert overload.energy(start, start + 2 * H) == pytest.approx(8.4)
    assert overload.energy(MONDAY, start) == pytest.approx(2.0)
    assert overload.energy(start - H / 2, start + H / 2) == pytest.approx(0.5 + 2.1)
    assert overload.energy(start + 2 * H, start + 3 * H) == pytest.approx(1.0)
    # However the span is cut into readings, the pieces add up to the whole.
    moments = [MONDAY + dt.timedelta(seconds=s) for s in sorted({0, 6 * 3600, *cuts})]
    pieces = sum(overload.energy(a, b) for a, b in itertools.pairwise(moments))
    assert pieces == pytest.approx(overload.energy(MONDAY, MONDAY + 6 * H))


def _run_live(simulation, published: list[list[dict]], *, until_readings: int) -> list[dict]:
    import threading

    runner = threading.Thread(target=simulation.live, kwargs={"start": MONDAY})
    runner.start()
    deadline = time.monotonic() + 10
    while sum(map(len, published)) < until_readings and time.monotonic() < deadline:
        time.sleep(0.05)
    simulation.stopping = True
    runner.join(timeout=5)
    return [reading for batch in published for reading in batch]


def test_a_quiet_meter_holds_its_readings_back_then_sends_them_all_in_order():
    from simulator.runner import Simulation

    quiet, chatty = uuid.uuid4(), uuid.uuid4()

    def meters():
        return [
            SimulatedMeter(device_id=d, source=LoadProfile(device_id=d, max_hourly_kwh=1))
            for d in (quiet, chatty)
        ]

    sent: list[list[dict]] = []
    simulation = Simulation(
        meters=meters,
        publisher=Publisher(send=sent.append),
        interval=dt.timedelta(minutes=10),
        speed=60 * 60,  # an hour per second
        quiet={quiet: dt.timedelta(minutes=45)},
    )
    readings = _run_live(simulation, sent, until_readings=16)
    of = {
        device: [r for r in readings if r["device_id"] == str(device)] for device in (quiet, chatty)
    }
    stamps = {device: [r["timestamp"] for r in rows] for device, rows in of.items()}
    step = 600_000
    start = int(MONDAY.timestamp() * 1000)
    # Nothing from the quiet meter during its 45 minutes (the steps at 10-40 min), then
    # everything it held back with the step that ends the silence: none lost, in order.
    first_quiet = readings.index(of[quiet][0])
    assert [r["timestamp"] for r in readings[:first_quiet]] == [
        start + k * step for k in range(1, 5)
    ]
    assert stamps[quiet] == stamps[chatty][: len(stamps[quiet])]
    assert len(stamps[quiet]) >= 5
    assert stamps[quiet][0] == start + step
    assert all(b - a == step for a, b in itertools.pairwise(stamps[quiet]))
    # The held readings are the ones it would have sent: an index meter's values are the same.
    reference = SimulatedMeter(
        device_id=quiet, source=LoadProfile(device_id=quiet, max_hourly_kwh=1)
    )
    for reading in of[quiet]:
        moment = dt.datetime.fromtimestamp(reading["timestamp"] / 1000, dt.UTC)
        assert reading == reference.reading_at(moment, dt.timedelta(minutes=10))


def test_a_quiet_meter_found_after_the_start_still_sends_its_history_first():
    from simulator.runner import Simulation

    late = uuid.uuid4()
    devices: list[uuid.UUID] = []
    sent: list[list[dict]] = []
    simulation = Simulation(
        meters=lambda: [
            SimulatedMeter(device_id=d, source=LoadProfile(device_id=d, max_hourly_kwh=1))
            for d in devices
        ],
        publisher=Publisher(send=sent.append),
        interval=dt.timedelta(minutes=10),
        now=lambda: MONDAY,
        quiet={late: dt.timedelta(minutes=45)},
    )
    simulation.backfill(2 * H)  # no meter yet: nothing
    devices.append(late)  # its device event reaches the projection once the demo runs
    # Live from MONDAY at real speed: no step is due in these seconds; the meter list is read
    # again after 2 s and the newcomer gets its two hours. Its silence is live, not history.
    readings = _run_live(simulation, sent, until_readings=12)
    assert len(readings) == 12
    assert {reading["device_id"] for reading in readings} == {str(late)}
