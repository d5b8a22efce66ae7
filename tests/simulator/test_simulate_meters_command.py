"""`manage.py simulate_meters` publishes through the real broker to a real worker."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from apps.monitoring.models import Reading
from ems.events import READINGS_QUEUE
from tests.monitoring.conftest import hourly, make_device
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
            "/work/shared/data/sensor.csv",
            "--backfill",
            "2h",
            "--interval",
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
