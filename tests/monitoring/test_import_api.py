"""POST /api/readings/import/: a meter's history from a file, older than the live window."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.monitoring.models import Alert, AlertState, QuarantinedReading, Reading
from ems.groups import user_group
from tests.factories import api_client_for

from .conftest import all_received, hourly, make_device, quarantine_counts

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

H = dt.timedelta(hours=1)
# A year ago: far outside MONITORING_MAX_READING_AGE_DAYS.
LAST_YEAR = dt.datetime(2025, 11, 3, tzinfo=dt.UTC)


def csv_of(start: dt.datetime, values: list[float], step=dt.timedelta(minutes=10)) -> str:
    lines = ["timestamp,measurement_value"]
    lines += [f"{(start + i * step).isoformat()},{value}" for i, value in enumerate(values)]
    return "\n".join(lines) + "\n"


def post(api, device_id, body: str, file_format="csv"):
    return api.post(
        f"/api/readings/import/?device={device_id}&format={file_format}",
        data=body.encode(),
        content_type="text/csv" if file_format == "csv" else "application/x-ndjson",
    )


@pytest.fixture
def meter(client_a):
    return make_device(owner_id=client_a.id, max_hourly_kwh="5", token="secret-token")


def test_it_imports_last_years_readings_through_the_same_arithmetic(api_admin, meter):
    # Index readings every 10 minutes for two hours: 0.5 kWh per reading.
    body = csv_of(LAST_YEAR, [100 + i / 2 for i in range(13)])
    response = post(api_admin, meter, body)
    assert response.status_code == 200
    assert response.json() | {"errors": []} == {
        "lines": 13,
        "stored": 13,
        "duplicates": 0,
        "rejected": 0,
        "reasons": {},
        "errors": [],
        "historical_alerts": 0,
    }
    assert hourly(meter) == {LAST_YEAR: Decimal(3), LAST_YEAR + H: Decimal(3)}


def test_importing_the_same_file_twice_changes_nothing(api_admin, meter):
    body = csv_of(LAST_YEAR, [100 + i for i in range(13)]) + "yesterday,12\n"
    first = post(api_admin, meter, body).json()
    before = (hourly(meter), Reading.objects.using("monitoring").count(), quarantine_counts())
    second = post(api_admin, meter, body).json()
    assert (first["stored"], second["stored"], second["duplicates"]) == (13, 0, 13)
    after = (hourly(meter), Reading.objects.using("monitoring").count(), quarantine_counts())
    assert after == before


def test_unreadable_lines_are_named_by_line_number_and_quarantined(api_admin, meter):
    body = "\n".join(
        [
            "timestamp,measurement_value",
            f"{LAST_YEAR.isoformat()},100",
            "not a time,101",  # line 3
            f"{(LAST_YEAR + H).isoformat()}",  # line 4: one column
            f"{(LAST_YEAR + 2 * H).isoformat()},-5",  # line 5: negative
            f"{(LAST_YEAR + 3 * H).isoformat()},104",
        ]
    )
    answer = post(api_admin, meter, body).json()
    assert (answer["stored"], answer["rejected"]) == (2, 3)
    assert [(error["line"], error["reason"]) for error in answer["errors"]] == [
        (3, "malformed"),
        (4, "malformed"),
        (5, "invalid_value"),
    ]
    assert "line 4" in answer["errors"][1]["detail"]
    lines = sorted(
        row.payload["line"] for row in QuarantinedReading.objects.using("monitoring").all()
    )
    assert lines == [3, 4, 5]


def test_json_lines_are_imported_too_and_another_meters_line_is_refused(api_admin, meter):
    other = make_device()
    rows = [
        {
            "timestamp": (LAST_YEAR + i * 10 * dt.timedelta(minutes=1)).isoformat(),
            "measurement_value": 10 + i,
        }
        for i in range(7)
    ]
    rows.append(
        {"device_id": str(other), "timestamp": LAST_YEAR.isoformat(), "measurement_value": 1}
    )
    body = "\n".join(json.dumps(row) for row in rows) + "\n{broken\n"
    answer = post(api_admin, meter, body, "jsonl").json()
    assert (answer["stored"], answer["rejected"]) == (7, 2)
    assert answer["reasons"] == {"wrong_device": 1, "malformed": 1}
    assert hourly(meter) == {LAST_YEAR: Decimal(6)}


def test_historical_hours_over_the_limit_are_recorded_acknowledged_and_not_pushed(
    api_admin, meter, client_a, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(client_a.id), channel)
    # 10 kWh per 10 minutes: 60 kWh in the hour, over the 5 kWh limit.
    with django_capture_on_commit_callbacks(using="monitoring", execute=True):
        answer = post(api_admin, meter, csv_of(LAST_YEAR, [10 * i for i in range(7)])).json()
    assert answer["historical_alerts"] == 1
    (alert,) = Alert.objects.using("monitoring").filter(device_id=meter)
    assert alert.state == AlertState.ACKNOWLEDGED
    assert alert.acknowledged_at is not None
    assert async_to_sync(all_received)(layer, channel) == []
    # Nobody's unacknowledged alert.
    page = api_client_for(client_a).get("/api/alerts/", {"acknowledged": "false"}).json()
    assert page["count"] == 0


def test_the_meters_own_token_may_import_its_history_and_no_other(meter, client_a):
    device = api_client_for(None)
    device.credentials(HTTP_AUTHORIZATION="Device secret-token")
    assert post(device, meter, csv_of(LAST_YEAR, [1, 2])).status_code == 200
    assert post(device, make_device(), csv_of(LAST_YEAR, [1, 2])).status_code == 403
    client = api_client_for(client_a)
    assert post(client, meter, csv_of(LAST_YEAR, [1, 2])).status_code == 403
    assert post(api_client_for(None), meter, csv_of(LAST_YEAR, [1, 2])).status_code == 401


def test_a_header_without_a_value_column_or_an_unknown_format_is_a_400(api_admin, meter):
    response = post(api_admin, meter, "timestamp,temperature\n2025-01-01T00:00:00Z,3\n")
    assert response.status_code == 400
    assert "value column" in response.json()["detail"]
    response = post(api_admin, meter, "x", "xlsx")
    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"format"}


def test_an_unknown_meter_is_a_404(api_admin):
    response = post(api_admin, "7d8f4c7e-3e8b-4f3a-9f5e-2b7f1c1d2a3b", csv_of(LAST_YEAR, [1]))
    assert response.status_code == 404


def test_odd_lines_are_reported_never_a_server_error(api_admin, meter):
    lines = [
        "[" * 100_000,  # nested deeper than the JSON parser goes
        '{"timestamp": "0001-01-01T00:00:00+00:00", "measurement_value": 1}',
        '{"timestamp": 99999999999999999999, "measurement_value": 1}',
        '{"timestamp": "2025-01-01T00:00:00+00:00", "measurement_value": "\\u0000"}',
        "null",
    ]
    answer = post(api_admin, meter, "\n".join(lines), "jsonl")
    assert answer.status_code == 200
    assert [error["line"] for error in answer.json()["errors"]] == [1, 2, 3, 4, 5]
