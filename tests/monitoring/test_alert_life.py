"""An alert follows its hour: withdrawn when late data brings the hour to or below its limit,
reopened when it goes over again, never raised on energy spread over a gap longer than an hour.
"""

import datetime as dt
from decimal import Decimal

import pytest

from apps.monitoring.models import Alert, AlertState, HourlyConsumption
from apps.monitoring.services import alert_acknowledge, readings_ingest
from ems.groups import ADMINS_GROUP, user_group

from .conftest import group_listener, make_device, reading, received

pytestmark = pytest.mark.django_db(databases=["monitoring"])

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def _alerts(device) -> dict[dt.datetime, Alert]:
    return {a.hour_start: a for a in Alert.objects.using("monitoring").filter(device_id=device)}


def _states(device) -> dict[dt.datetime, str]:
    return {hour: alert.state for hour, alert in _alerts(device).items()}


def test_a_late_reading_that_brings_the_hour_under_the_limit_withdraws_its_alert(day):
    device = make_device(max_hourly_kwh="5")
    # 11 kWh over 10:30..11:10, three quarters of it in hour 10: 1 + 8.25 kWh; 2.75 in 11.
    readings_ingest(
        raw_readings=[
            reading(device, day + 10 * H, 0),
            reading(device, day + 10 * H + 30 * M, 1),
            reading(device, day + 11 * H + 10 * M, 12),
        ]
    )
    assert _states(device) == {day + 10 * H: "open"}
    # The reading of 11:00 shows the energy came after 11:00.
    result = readings_ingest(raw_readings=[reading(device, day + 11 * H, 2)])
    alerts = _alerts(device)
    assert _states(device) == {day + 10 * H: "withdrawn", day + 11 * H: "open"}
    withdrawn = alerts[day + 10 * H]
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.kwh == Decimal("2")
    assert [alert.id for alert in result.withdrawn] == [withdrawn.id]
    assert alerts[day + 11 * H].kwh == Decimal("10")


def test_a_withdrawn_alert_reopens_when_its_hour_goes_over_again(day):
    # An interval meter: each value is the energy since the meter's previous reading.
    device = make_device(max_hourly_kwh="5", meter_kind="interval")
    readings_ingest(raw_readings=[reading(device, day + 11 * H + 10 * M, 8)])
    first = _alerts(device)[day + 11 * H]
    alert_acknowledge(alert=first)
    # Now 11:10's 8 kWh cover 10:30..11:10: 6 in hour 10, 2 in hour 11.
    readings_ingest(raw_readings=[reading(device, day + 10 * H + 30 * M, 0)])
    assert _states(device) == {day + 10 * H: "open", day + 11 * H: "withdrawn"}
    # And back: 11:10's energy is 11:00..11:10 again.
    result = readings_ingest(raw_readings=[reading(device, day + 11 * H, 0)])
    assert _states(device) == {day + 10 * H: "withdrawn", day + 11 * H: "open"}
    reopened = _alerts(device)[day + 11 * H]
    assert reopened.id == first.id, "still one alert per device-hour"
    assert (reopened.acknowledged_at, reopened.withdrawn_at) == (None, None)
    assert [alert.id for alert in result.alerts] == [first.id]


def test_an_hour_filled_across_a_gap_longer_than_an_hour_raises_no_alert_until_it_closes(day):
    device = make_device(max_hourly_kwh="12")
    # 30 kWh over 130 minutes: about 13.8 kWh in hours 10 and 11 if spread evenly, but when?
    readings_ingest(raw_readings=[reading(device, day + 10 * H, 0)])
    readings_ingest(raw_readings=[reading(device, day + 12 * H + 10 * M, 30)])
    hours = HourlyConsumption.objects.using("monitoring").filter(device_id=device)
    assert {h.hour_start: h.estimated for h in hours} == {
        day + 10 * H: True,
        day + 11 * H: True,
        day + 12 * H: True,
    }
    assert max(h.kwh for h in hours) > 12
    assert _alerts(device) == {}
    # The gap closes: 2 kWh in hour 10, 26 in hour 11, 2 in 12:00..12:10.
    readings_ingest(
        raw_readings=[reading(device, day + 11 * H, 2), reading(device, day + 12 * H, 28)]
    )
    assert _states(device) == {day + 11 * H: "open"}
    assert not hours.filter(estimated=True).exists()


def test_energy_spread_over_an_hour_or_less_counts(day):
    device = make_device(max_hourly_kwh="5")
    # A meter that reports hourly is not in a gap.
    readings_ingest(
        raw_readings=[reading(device, day + 10 * H, 0), reading(device, day + 11 * H, 6)]
    )
    assert _states(device) == {day + 10 * H: "open"}


def test_acknowledging_a_withdrawn_alert_leaves_it_withdrawn(day):
    device = make_device(max_hourly_kwh="5", meter_kind="interval")
    readings_ingest(raw_readings=[reading(device, day + 11 * H + 10 * M, 8)])
    readings_ingest(raw_readings=[reading(device, day + 10 * H + 30 * M, 0)])
    withdrawn = _alerts(device)[day + 11 * H]
    assert alert_acknowledge(alert=withdrawn).state == AlertState.WITHDRAWN


def test_a_withdrawal_is_pushed_to_the_owner_and_the_administrators_on_commit(
    day, django_capture_on_commit_callbacks
):
    listeners = {group: group_listener(group) for group in (user_group(9101), ADMINS_GROUP)}
    device = make_device(max_hourly_kwh="5", meter_kind="interval", owner_id=9101)
    with django_capture_on_commit_callbacks(execute=True, using="monitoring"):
        readings_ingest(raw_readings=[reading(device, day + 11 * H + 10 * M, 8)])
    for channel in listeners.values():
        assert received(channel, 2)["type"] == "alert.created"
    with django_capture_on_commit_callbacks(execute=True, using="monitoring"):
        readings_ingest(raw_readings=[reading(device, day + 10 * H + 30 * M, 0)])
    for channel in listeners.values():
        messages = [received(channel, 2) for _ in range(2)]
        by_type = {message["type"]: message["alert"] for message in messages}
        assert by_type["alert.withdrawn"]["hour_start"] == (day + 11 * H).isoformat()
        assert by_type["alert.withdrawn"]["state"] == "withdrawn"
        assert by_type["alert.created"]["hour_start"] == (day + 10 * H).isoformat()
