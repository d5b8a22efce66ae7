"""Each process role works with only its own database reachable: the others point nowhere.

The roles run as real subprocesses (gunicorn, celery) with EMS_PROCESS set, exactly as they are
deployed; any use of a database the role may not open would fail, so a working API proves it
does not open them.
"""

import uuid

import pytest

from apps.monitoring.models import DeviceProjection
from ems.celery import app
from ems.events import DEVICE_CHANGED, EVENTS_QUEUE
from ems.vocabulary import Role
from tests.factories import STRONG_PASSWORD, create_user
from tests.workers import wait_until

from .processes import serves


@pytest.mark.django_db(transaction=True, databases=["default"])
def test_the_users_process_serves_its_whole_api_on_the_users_database_alone(users_process):
    users = users_process
    registered = users.request(
        "POST",
        "/api/auth/register/",
        {"username": "carol", "password": STRONG_PASSWORD, "name": "Carol Client"},
    )
    assert registered.status == 201, registered.body
    assert registered.body["role"] == "client"

    tokens = users.request(
        "POST", "/api/auth/token/", {"username": "carol", "password": STRONG_PASSWORD}
    ).body
    me = users.request("GET", "/api/users/me/", token=tokens["access"])
    assert me.status == 200
    assert me.body["username"] == "carol"

    rotated = users.request("POST", "/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert rotated.status == 200
    reused = users.request("POST", "/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert reused.status == 401

    assert users.request("GET", "/api/users/", token=tokens["access"]).status == 403
    assert users.request("GET", "/api/users/").status == 401
    logout = users.request(
        "POST", "/api/auth/logout/", {"refresh": rotated.body["refresh"]}, token=tokens["access"]
    )
    assert logout.status == 205


@pytest.mark.django_db(transaction=True, databases=["default"])
def test_the_users_process_lets_an_administrator_manage_accounts(users_process):
    create_user(role=Role.ADMIN, username="root")
    users = users_process
    admin = users.request(
        "POST", "/api/auth/token/", {"username": "root", "password": STRONG_PASSWORD}
    ).body["access"]

    created = users.request(
        "POST",
        "/api/users/",
        {"username": "dave", "password": STRONG_PASSWORD, "name": "Dave", "role": "client"},
        token=admin,
    )
    assert created.status == 201, created.body
    detail = f"/api/users/{created.body['id']}/"
    listed = users.request("GET", "/api/users/?search=dave", token=admin)
    assert [account["username"] for account in listed.body["results"]] == ["dave"]
    renamed = users.request("PATCH", detail, {"name": "David"}, token=admin)
    assert renamed.body["name"] == "David"
    assert users.request("GET", detail, token=admin).body["name"] == "David"
    assert users.request("DELETE", detail, token=admin).status == 204
    assert users.request("GET", detail, token=admin).status == 404


@pytest.mark.django_db(transaction=True, databases=["default"])
def test_the_users_process_still_locks_out_repeated_failed_sign_ins(users_process, settings):
    create_user(username="erin")
    users = users_process
    wrong = {"username": "erin", "password": "wrong-password"}
    answers = [
        users.request("POST", "/api/auth/token/", wrong).status
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers[-1] == 429


@pytest.mark.django_db(transaction=True, databases=["default"])
def test_the_users_process_is_ready_on_its_own_database_and_serves_no_other_api(users_process):
    users = users_process
    ready = users.request("GET", "/readyz")
    assert ready.status == 200
    assert ready.body["checks"] == {"database:default": "ok", "redis": "ok"}
    not_found = users.request("GET", "/admin/")
    assert not_found.status == 404
    assert not_found.body == {"detail": "Not found."}
    assert users.request("GET", "/api/schema/").status == 200


@pytest.mark.parametrize(
    ("role", "database"),
    [("devices", "devices"), ("monitoring", "monitoring"), ("realtime", "chat")],
)
@pytest.mark.django_db(transaction=True, databases=["devices", "monitoring", "chat"])
def test_an_api_process_is_ready_on_its_own_database_alone(start_role, role, database):
    process = start_role(role, reachable=[database])
    ready = process.request("GET", "/readyz")
    assert ready.status == 200, ready.body
    assert ready.body["checks"] == {f"database:{database}": "ok", "redis": "ok"}
    assert process.request("GET", "/api/auth/token/").status == 404
    assert process.request("GET", "/api/schema/").status == 200


@pytest.mark.skipif(
    not serves("devices", "/api/devices/"), reason="apps.devices.api.urls has no /api/devices/ yet"
)
@pytest.mark.django_db(transaction=True, databases=["devices"])
def test_the_devices_process_refuses_a_request_without_a_token(start_role):
    devices = start_role("devices", reachable=["devices"])
    assert devices.request("GET", "/api/devices/").status == 401


# A signed-in request to each API process: (role, its database, a list it serves, who may read
# it). A case runs as soon as its app mounts the path (until then the role serves nothing there).
SIGNED_IN_CASES = [
    ("devices", "devices", "/api/devices/", Role.ADMIN),
    ("monitoring", "monitoring", "/api/alerts/", Role.CLIENT),
    ("realtime", "chat", "/api/chat/conversations/", Role.CLIENT),
]


@pytest.mark.parametrize(
    ("role", "database", "path", "account_role"),
    [
        pytest.param(
            *case,
            id=case[0],
            marks=pytest.mark.skipif(
                not serves(case[0], case[2]), reason=f"the {case[0]} role has no {case[2]} yet"
            ),
        )
        for case in SIGNED_IN_CASES
    ],
)
@pytest.mark.django_db(transaction=True, databases=["default", "devices", "monitoring", "chat"])
def test_a_token_from_the_users_process_is_accepted_by_a_process_on_another_database(
    users_process, start_role, role, database, path, account_role
):
    create_user(role=account_role, username="frank")
    users = users_process
    access = users.request(
        "POST", "/api/auth/token/", {"username": "frank", "password": STRONG_PASSWORD}
    ).body["access"]
    process = start_role(role, reachable=[database])
    answer = process.request("GET", path, token=access)
    assert answer.status == 200, answer.body
    assert "results" in answer.body
    assert process.request("GET", path).status == 401


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_the_worker_applies_device_events_with_the_monitoring_database_alone(start_role):
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(EVENTS_QUEUE)
    worker = start_role("worker", reachable=["monitoring"], queues=(EVENTS_QUEUE,))
    device_id = uuid.uuid4()
    event = {
        "device_id": str(device_id),
        "version": 1,
        "owner_id": 7,
        "max_hourly_kwh": "2.5",
        "meter_kind": "index",
        "description": "isolation",
    }
    app.send_task(DEVICE_CHANGED, kwargs=event, queue=EVENTS_QUEUE)
    applied = wait_until(
        lambda: DeviceProjection.objects.filter(id=device_id).exists(), timeout=60, step=0.2
    )
    assert applied, worker.log()
    assert DeviceProjection.objects.get(id=device_id).owner_id == 7
