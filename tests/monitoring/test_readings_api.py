"""POST /api/readings/: a device's token for its own readings, or an administrator; never a 500.

A 202 means the accepted readings are committed to monitoring's inbox (durable), whatever the
broker does; a database that is down answers 503 (tests/deploy/test_database_outage.py).
"""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.monitoring.models import InboxBatch, QuarantinedReading
from tests.workers import broker_unreachable

from .conftest import make_device, reading

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

URL = "/api/readings/"


@pytest.fixture
def inbox():
    """The readings committed to the inbox, in the order they were accepted."""

    def inbox_readings() -> list:
        batches = InboxBatch.objects.using("monitoring").order_by("id")
        return [reading for batch in batches for reading in batch.reading_list()]

    return inbox_readings


def device_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client


def test_a_device_token_posts_its_own_readings_and_they_are_kept_in_the_inbox(day, inbox):
    device = make_device(token="meter-x-secret")
    batch = [reading(device, day + dt.timedelta(minutes=10 * i), i) for i in range(3)]
    response = device_client("meter-x-secret").post(URL, batch, format="json")
    assert response.status_code == 202
    assert response.json() == {"accepted": 3, "rejected": 0, "reasons": {}}
    assert inbox() == batch


def test_a_device_token_cannot_post_for_another_device(day, inbox):
    device_x = make_device(token="meter-x-secret")
    device_y = make_device(token="meter-y-secret")
    response = device_client("meter-x-secret").post(
        URL, [reading(device_y, day, 1), reading(device_x, day, 1)], format="json"
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "rejected": 1, "reasons": {"wrong_device": 1}}
    assert [r["device_id"] for r in inbox()] == [str(device_x)]
    assert QuarantinedReading.objects.using("monitoring").get().reason == "wrong_device"


def test_an_unknown_device_token_is_refused(day):
    response = device_client("no-such-token").post(URL, [], format="json")
    assert response.status_code == 401


def test_a_deleted_devices_token_is_refused(day):
    make_device(token="old-secret", deleted=True)
    assert device_client("old-secret").post(URL, [], format="json").status_code == 401


def test_an_administrator_posts_for_any_device_and_bad_ones_are_counted(day, api_admin, inbox):
    device = make_device()
    batch = [reading(device, day, 1), {"device_id": "x"}, reading(device, day, -4)]
    response = api_admin.post(URL, batch, format="json")
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 1,
        "rejected": 2,
        "reasons": {"malformed": 1, "invalid_value": 1},
    }
    assert len(inbox()) == 1


def test_a_client_may_not_post_readings(api_a):
    assert api_a.post(URL, [], format="json").status_code == 403


def test_an_anonymous_caller_is_unauthorized(anonymous_api):
    assert anonymous_api.post(URL, [], format="json").status_code == 401


def test_malformed_json_is_a_400_with_a_detail(api_admin):
    response = api_admin.post(URL, "[{not json", content_type="application/json")
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]


def test_a_body_that_is_not_a_list_is_a_400(api_admin):
    response = api_admin.post(URL, {"a": 1}, format="json")
    assert response.status_code == 400


def test_an_oversize_body_is_a_413_with_a_detail(api_admin, settings):
    settings.MONITORING_HTTP_MAX_BODY_BYTES = 1000
    response = api_admin.post(URL, json.dumps(["x" * 2000]), content_type="application/json")
    assert response.status_code == 413
    assert "at most 1000 bytes" in response.json()["detail"]


def test_too_many_readings_in_one_request_is_a_413(api_admin, settings):
    settings.MONITORING_HTTP_MAX_READINGS = 2
    response = api_admin.post(URL, [{}, {}, {}], format="json")
    assert response.status_code == 413


def test_deeply_nested_json_is_a_400_not_a_500(api_admin):
    body = "[" * 100_000 + "]" * 100_000
    response = api_admin.post(URL, body, content_type="application/json")
    assert response.status_code == 400


def test_a_deeply_nested_reading_is_quarantined_not_a_500(api_admin):
    nested = "[" * 500 + "]" * 500
    response = api_admin.post(URL, f"[{nested}]", content_type="application/json")
    assert response.status_code == 202
    assert response.json()["reasons"] == {"malformed": 1}


def test_invalid_utf8_is_a_400(api_admin):
    response = api_admin.post(URL, b"[\xff\xfe]", content_type="application/json")
    assert response.status_code == 400


def test_readings_are_accepted_while_the_broker_is_down(day, api_admin, inbox):
    device = make_device()
    batch = [reading(device, day + dt.timedelta(minutes=10 * i), i) for i in range(3)]
    with broker_unreachable():
        response = api_admin.post(URL, batch, format="json")
    assert response.status_code == 202
    assert inbox() == batch


def test_only_the_fields_of_a_reading_are_kept(day, api_admin, inbox):
    device = make_device()
    extra = {**reading(device, day, 1), "note": "kept out"}
    assert api_admin.post(URL, [extra], format="json").status_code == 202
    assert inbox() == [reading(device, day, 1)]


def test_a_large_request_is_kept_in_batches_of_at_most_a_thousand(day, api_admin, settings):
    settings.MONITORING_HTTP_MAX_READINGS = 2500
    settings.MONITORING_HTTP_MAX_BODY_BYTES = 1024 * 1024
    device = make_device()
    batch = [reading(device, day + dt.timedelta(seconds=i), i) for i in range(2500)]
    assert api_admin.post(URL, batch, format="json").status_code == 202
    sizes = [len(b.reading_list()) for b in InboxBatch.objects.using("monitoring").order_by("id")]
    assert sizes == [1000, 1000, 500]


def post_raw(api, readings: list):
    """The body as a client's JSON encoder writes it: \\u escapes for NUL and lone surrogates."""
    return api.post(URL, json.dumps(readings, ensure_ascii=True), content_type="application/json")


def test_a_400_digit_value_is_quarantined_and_the_other_readings_are_accepted(
    day, api_admin, inbox
):
    device = make_device()
    good = reading(device, day, 1)
    response = post_raw(api_admin, [reading(device, day, int("9" * 400)), good])
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "rejected": 1, "reasons": {"invalid_value": 1}}
    assert inbox() == [good]
    kept = QuarantinedReading.objects.using("monitoring").get()
    assert kept.payload["measurement_value"] == int("9" * 400)
    assert kept.detail == "measurement_value is too large"


@pytest.mark.parametrize("timestamp", [1e306, 1.7976931348623157e308, int("9" * 400), -1e306])
def test_an_absurd_epoch_timestamp_is_quarantined_and_the_other_readings_are_accepted(
    day, api_admin, inbox, timestamp
):
    device = make_device()
    good = reading(device, day, 1)
    odd = {"device_id": str(device), "timestamp": timestamp, "measurement_value": 1}
    response = post_raw(api_admin, [odd, good])
    assert response.status_code == 202
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"] == 1
    assert inbox() == [good]
    kept = QuarantinedReading.objects.using("monitoring").get().payload["timestamp"]
    assert Decimal(str(kept)) == Decimal(repr(timestamp))  # jsonb keeps the number as written


@pytest.mark.parametrize("text", ["\u0000", "a\u0000b", "\ud800", "\udfff!"])
@pytest.mark.parametrize("field", ["device_id", "timestamp", "measurement_value", "extra"])
def test_nul_or_a_lone_surrogate_in_any_field_is_quarantined_storably_and_the_rest_accepted(
    day, api_admin, inbox, field, text
):
    device = make_device()
    good = reading(device, day, 1)
    bad = reading(device, day, 2) | {field: text}
    if field == "extra":
        bad = reading(uuid.uuid4(), day, 2) | {text: text}  # rejected for its device
    response = post_raw(api_admin, [bad, good])
    assert response.status_code == 202
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"] == 1
    assert inbox() == [good]
    kept = QuarantinedReading.objects.using("monitoring").get()
    escaped = text.encode("utf-8", "backslashreplace").decode().replace("\u0000", "\\u0000")
    assert escaped in kept.payload.values()
    assert "altered to be storable" in kept.detail


def test_a_valid_reading_is_passed_on_without_its_other_keys(day, api_admin, inbox):
    device = make_device()
    good = reading(device, day, 1)
    response = post_raw(api_admin, [good | {"note": "\u0000", "\ud800": 1}])
    assert response.json() == {"accepted": 1, "rejected": 0, "reasons": {}}
    assert inbox() == [good]


@pytest.mark.parametrize("element", [None, [None], {"a": {"b": [None, {}]}}, 7, "x"])
def test_null_or_any_non_object_in_the_list_is_quarantined_and_the_rest_accepted(
    day, api_admin, inbox, element
):
    device = make_device()
    good = reading(device, day, 1)
    response = post_raw(api_admin, [element, good])
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "rejected": 1, "reasons": {"malformed": 1}}
    assert inbox() == [good]
    assert QuarantinedReading.objects.using("monitoring").get().payload == element
