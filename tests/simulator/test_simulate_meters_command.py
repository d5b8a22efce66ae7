"""`manage.py simulate_meters` hands its readings to the inbox; a real worker ingests them."""

import datetime as dt
import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.monitoring.models import Reading
from ems.events import READINGS_QUEUE
from tests.monitoring.conftest import hourly, make_device
from tests.paths import SENSOR_CSV
from tests.workers import celery_worker, wait_until


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_backfill_of_the_assigned_devices_fills_their_hours():
    assigned = make_device(owner_id=5, max_hourly_kwh="2")
    unassigned = make_device(owner_id=None)
    out = io.StringIO()
    with celery_worker(READINGS_QUEUE):
        call_command(
            "simulate_meters", "--backfill", "3h", "--no-live", stdout=out, stderr=io.StringIO()
        )
        # 3 hours every 10 minutes: 18 readings, the first contributes nothing.
        assert wait_until(lambda: Reading.objects.using("monitoring").count() == 18)
        assert wait_until(lambda: len(hourly(assigned)) >= 3)
    assert "sent 18 readings" in out.getvalue()
    assert hourly(unassigned) == {}
    assert all(kwh > 0 for kwh in hourly(assigned).values())


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_csv_replay_for_a_named_device():
    device = make_device()
    out = io.StringIO()
    with celery_worker(READINGS_QUEUE):
        call_command(
            "simulate_meters",
            "--device",
            str(device),
            "--csv",
            str(SENSOR_CSV),
            "--backfill",
            "2h",
            "--interval",
            "30m",
            "--csv-step",
            "30m",
            "--no-live",
            stdout=out,
            stderr=io.StringIO(),
        )
        assert wait_until(lambda: Reading.objects.using("monitoring").count() == 4)
    stamps = (
        Reading.objects.using("monitoring")
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
    )
    assert all(stamp.minute in (0, 30) and stamp.second == 0 for stamp in stamps)
    assert stamps[3] - stamps[0] == dt.timedelta(minutes=90)


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_replayed_device_keeps_the_files_ten_minute_period_at_any_interval():
    replayed, profiled = make_device(), make_device()
    with celery_worker(READINGS_QUEUE):
        call_command(
            "simulate_meters",
            "--device",
            str(replayed),
            "--device",
            str(profiled),
            "--replay",
            f"{replayed}={SENSOR_CSV}",
            "--backfill",
            "3h",
            "--interval",
            "1m",
            "--no-live",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        # Three hours at one reading a minute, for each meter.
        assert wait_until(lambda: Reading.objects.using("monitoring").count() == 2 * 180)
    values = [float(line) for line in SENSOR_CSV.read_text().split()]
    increments = [max(b - a, 0.0) for a, b in itertools.pairwise(values)]
    # Three hours at one line per 10 minutes: 17 or 18 consecutive lines of the file (the first
    # reading only sets the start), wherever the meter starts in it; at one line a minute it
    # would be about 180.
    replayed_energy = float(sum(hourly(replayed).values()))
    windows = [
        sum(increments[start : start + lines])
        for lines in (17, 18)
        for start in range(len(increments) - lines)
    ]
    assert min(abs(replayed_energy - window) for window in windows) < 1e-4
    assert sum(hourly(profiled).values()) < 10  # a household profile, not the replay


def test_a_replay_that_names_no_uuid_is_refused():
    with pytest.raises(CommandError):
        call_command("simulate_meters", "--replay", "not-a-uuid=x.csv", "--no-live")


@pytest.mark.parametrize("option", ["--replay", "--csv"])
def test_it_stops_when_the_file_to_replay_is_missing(option, tmp_path):
    device = "4c361e27-c497-50f1-8d40-fcf11e8ff395"
    missing = tmp_path / "sensor.csv"
    value = f"{device}={missing}" if option == "--replay" else str(missing)
    # The meter must not quietly follow a load profile instead: nothing is published.
    with pytest.raises(CommandError, match=f"cannot replay {missing}"):
        call_command(
            "simulate_meters",
            "--device",
            device,
            option,
            value,
            "--backfill",
            "1h",
            "--no-live",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_it_stops_when_the_file_to_replay_holds_no_numbers(tmp_path):
    garbled = tmp_path / "garbled.csv"
    garbled.write_text("0\nnot a number\n")
    with pytest.raises(CommandError, match="not a number"):
        call_command("simulate_meters", "--csv", str(garbled), "--no-live")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--overload", "not-a-uuid=1.05"),
        ("--overload", "4c361e27-c497-50f1-8d40-fcf11e8ff395=much"),
        ("--overload", "4c361e27-c497-50f1-8d40-fcf11e8ff395=0"),
        ("--quiet", "4c361e27-c497-50f1-8d40-fcf11e8ff395=ten minutes"),
        ("--quiet", "4c361e27-c497-50f1-8d40-fcf11e8ff395"),
    ],
)
def test_an_overload_or_a_silence_it_cannot_read_is_refused(option, value):
    with pytest.raises(CommandError, match=r"is not DEVICE_UUID=|the factor is"):
        call_command("simulate_meters", option, value, "--no-live")


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_an_overloaded_interval_meter_draws_its_factor_from_the_start_of_this_hour():
    overloaded = make_device(owner_id=5, max_hourly_kwh="2", meter_kind="interval")
    started = dt.datetime.now(dt.UTC)
    with celery_worker(READINGS_QUEUE):
        call_command(
            "simulate_meters",
            "--device",
            str(overloaded),
            "--meter-kind",
            "interval",
            "--max-kwh",
            "2",
            "--overload",
            f"{overloaded}=1.2",
            "--interval",
            "1m",
            "--backfill",
            "3h",
            "--no-live",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        assert wait_until(lambda: Reading.objects.using("monitoring").count() == 180)
    finished = dt.datetime.now(dt.UTC)
    this_hour = started.replace(minute=0, second=0, microsecond=0)
    if finished.replace(minute=0, second=0, microsecond=0) != this_hour:
        pytest.skip("an hour began while the command ran: which one it overloaded is unknown")
    values = dict(Reading.objects.using("monitoring").values_list("timestamp", "value"))
    inside = [value for stamp, value in values.items() if stamp > this_hour]
    # A minute at 1.2 times 2 kWh an hour: 0.04 kWh per reading, steadily (in an hour's first
    # minute there is none yet).
    if started - this_hour >= dt.timedelta(minutes=1):
        assert inside
        assert all(float(value) == pytest.approx(0.04) for value in inside)
    before = [value for stamp, value in values.items() if stamp <= this_hour]
    assert any(float(value) != pytest.approx(0.04) for value in before)
