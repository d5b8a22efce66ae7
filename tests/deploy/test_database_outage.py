"""A monitoring process whose database is down answers 503 with Retry-After, never a 500: a meter
that retries on 503 loses nothing, and a 202 is never given for readings that were not stored."""

import json
import urllib.error
import urllib.request

import pytest

from apps.users.models import Role
from apps.users.tokens import token_pair_for
from tests.factories import create_user

pytestmark = pytest.mark.django_db(transaction=True, databases=["default"])

READINGS = [
    {
        "device_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "timestamp": "2026-11-27T10:00:00+00:00",
        "measurement_value": 1,
    }
]


def _post(port: int, authorization: str) -> tuple[int, dict, str | None]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/readings/",
        data=json.dumps(READINGS).encode(),
        headers={"Content-Type": "application/json", "Authorization": authorization},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read()), answer.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers.get("Retry-After")


@pytest.mark.parametrize("credentials", ["admin", "device"])
def test_readings_posted_while_the_database_is_down_get_503_with_retry_after(
    start_role, credentials
):
    # Every database of the process points where nothing listens.
    monitoring = start_role("monitoring", reachable=[])
    if credentials == "admin":
        admin = create_user(role=Role.ADMIN, username="outage-admin")
        authorization = f"Bearer {token_pair_for(admin)['access']}"
    else:
        # A device token is checked against the database: that fails too, with the same answer.
        authorization = "Device some-meters-ingestion-token"
    status, body, retry_after = _post(monitoring.port, authorization)
    assert status == 503
    assert "try again" in body["detail"].lower()
    assert retry_after is not None
    assert int(retry_after) > 0
