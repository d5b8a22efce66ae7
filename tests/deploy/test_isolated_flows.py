"""Whole flows through each API process with only its own database reachable.

Every token is issued by a real users process (users database only); every other process
trusts it from its signature and claims alone. The processes run as deployed (gunicorn, daphne,
celery) with every other database alias pointing where nothing listens, so a flow that works
proves the process needs no other database for it.
"""

import asyncio
import datetime as dt
import json
import uuid

import pytest
import websockets
from websockets.asyncio.client import connect

from apps.monitoring.models import HourlyConsumption
from apps.monitoring.projection import device_projection_apply
from ems.celery import app
from ems.events import READINGS_QUEUE
from ems.vocabulary import Role
from tests.factories import STRONG_PASSWORD, create_user
from tests.workers import wait_until

# Every wait on another process is bounded: a hung process fails the test, never blocks it.
WAIT_SECONDS = 60


def access_token(users, username: str) -> str:
    """An access token issued by the users process, as any client of the system gets one."""
    answer = users.request(
        "POST", "/api/auth/token/", {"username": username, "password": STRONG_PASSWORD}
    )
    assert answer.status == 200, answer.body
    return answer.body["access"]


def midnight_days_ago(days: int) -> dt.datetime:
    """Midnight UTC some days ago: inside the accepted age of readings, never in the future."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days)


@pytest.mark.django_db(transaction=True, databases=["default", "monitoring"])
def test_the_monitoring_process_and_its_worker_need_only_the_monitoring_database(
    users_process, start_role
):
    create_user(role=Role.ADMIN, username="root")
    owner = create_user(role=Role.CLIENT, username="olga")
    admin_access = access_token(users_process, "root")
    owner_access = access_token(users_process, "olga")
    create_user(role=Role.CLIENT, username="sven")
    stranger_access = access_token(users_process, "sven")
    # The device as the devices app's event projects it into monitoring (a worker with the
    # monitoring database alone applying that event: test_process_isolation.py).
    device = uuid.uuid4()
    device_projection_apply(
        event={
            "device_id": str(device),
            "version": 1,
            "owner_id": owner.id,
            "max_hourly_kwh": "2.5",
            "meter_kind": "index",
            "description": "isolated meter",
        }
    )
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(READINGS_QUEUE)
    monitoring = start_role("monitoring", reachable=["monitoring"])
    worker = start_role("worker", reachable=["monitoring"], queues=(READINGS_QUEUE,))

    # An index meter every half hour: 10:00-11:00 uses 3 kWh (above the limit), 11:00-12:00 2 kWh.
    day = midnight_days_ago(3)
    values = [(10, 0, 100), (10, 30, 101), (11, 0, 103), (11, 30, 104), (12, 0, 105)]
    readings = [
        {
            "device_id": str(device),
            "timestamp": (day + dt.timedelta(hours=hour, minutes=minute)).isoformat(),
            "measurement_value": value,
        }
        for hour, minute, value in values
    ]
    posted = monitoring.request("POST", "/api/readings/", readings, token=admin_access)
    assert posted.status == 202, posted.body
    assert posted.body == {"accepted": 5, "rejected": 0, "reasons": {}}
    assert monitoring.request("POST", "/api/readings/", readings, token=owner_access).status == 403

    ingested = wait_until(
        lambda: HourlyConsumption.objects.using("monitoring").filter(device_id=device).count() == 2,
        timeout=WAIT_SECONDS,
        step=0.2,
    )
    assert ingested, worker.log()

    path = f"/api/devices/{device}/consumption/?date={day.date().isoformat()}&tz=UTC"
    consumption = monitoring.request("GET", path, token=owner_access)
    assert consumption.status == 200, consumption.body
    hours = {bucket["start"]: bucket["kwh"] for bucket in consumption.body["hours"]}
    assert len(hours) == 24
    assert {start: kwh for start, kwh in hours.items() if kwh} == {
        (day + dt.timedelta(hours=10)).isoformat(): 3.0,
        (day + dt.timedelta(hours=11)).isoformat(): 2.0,
    }
    assert consumption.body["total"] == 5.0
    assert monitoring.request("GET", path, token=stranger_access).status == 404

    alerts = monitoring.request("GET", "/api/alerts/", token=owner_access)
    assert alerts.status == 200, alerts.body
    assert [(alert["device"], alert["kwh"]) for alert in alerts.body["results"]] == [
        (str(device), 3.0)
    ]
    assert monitoring.request("GET", "/api/alerts/", token=stranger_access).body["count"] == 0


async def _chat_over_a_socket(port: int, access: str) -> tuple[dict, dict]:
    """Open /ws/chat/ with the token as subprotocol, send one message; the ready and echo frames."""
    async with asyncio.timeout(WAIT_SECONDS):
        async with connect(
            f"ws://127.0.0.1:{port}/ws/chat/",
            subprotocols=["ems.jwt", access],
            origin=f"http://127.0.0.1:{port}",
            open_timeout=WAIT_SECONDS,
        ) as socket:
            assert socket.subprotocol == "ems.jwt"
            ready = json.loads(await socket.recv())
            await socket.send(json.dumps({"type": "message", "body": "Is my meter online?"}))
            echo = json.loads(await socket.recv())
            return ready, echo


async def _refused_without_origin(port: int, access: str) -> int:
    async with asyncio.timeout(WAIT_SECONDS):
        try:
            async with connect(
                f"ws://127.0.0.1:{port}/ws/chat/",
                subprotocols=["ems.jwt", access],
                open_timeout=WAIT_SECONDS,
            ):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code


@pytest.mark.django_db(transaction=True, databases=["default", "chat"])
def test_the_realtime_process_chats_over_a_websocket_with_the_chat_database_alone(
    users_process, start_role
):
    client = create_user(role=Role.CLIENT, username="carla", name="Carla Client")
    access = access_token(users_process, "carla")
    realtime = start_role("realtime", reachable=["chat"])

    ready, echo = asyncio.run(_chat_over_a_socket(realtime.port, access))
    assert ready["type"] == "ready"
    assert ready["user"] == {"id": client.id, "name": "Carla Client", "role": "client"}
    assert echo["type"] == "message"
    assert echo["body"] == "Is my meter online?"
    assert echo["conversation"] == ready["conversation"]
    assert echo["sender"] == ready["user"]

    conversations = realtime.request("GET", "/api/chat/conversations/", token=access)
    assert conversations.status == 200, conversations.body
    [conversation] = conversations.body["results"]
    assert conversation["id"] == ready["conversation"]
    assert conversation["client_id"] == client.id
    assert conversation["last_message"]["id"] == echo["id"]
    assert conversation["last_message"]["body"] == "Is my meter online?"
    # A socket from a page of another site (here: no Origin at all) is refused before the upgrade.
    assert asyncio.run(_refused_without_origin(realtime.port, access)) == 403


@pytest.mark.django_db(transaction=True, databases=["default", "devices"])
def test_the_devices_process_manages_unassigned_devices_with_the_devices_database_alone(
    users_process, start_role
):
    create_user(role=Role.ADMIN, username="root")
    create_user(role=Role.CLIENT, username="cleo")
    admin_access = access_token(users_process, "root")
    client_access = access_token(users_process, "cleo")
    devices = start_role("devices", reachable=["devices"])

    created = devices.request(
        "POST",
        "/api/devices/",
        {"description": "Basement meter", "address": "1 Main St", "max_hourly_kwh": "4.5"},
        token=admin_access,
    )
    assert created.status == 201, created.body
    assert created.body["owner"] is None
    detail = f"/api/devices/{created.body['id']}/"

    listed = devices.request("GET", "/api/devices/?unassigned=true", token=admin_access)
    assert [device["id"] for device in listed.body["results"]] == [created.body["id"]]
    patched = devices.request(
        "PATCH", detail, {"description": "Cellar meter", "max_hourly_kwh": "5"}, token=admin_access
    )
    assert patched.status == 200, patched.body
    assert (patched.body["description"], patched.body["max_hourly_kwh"]) == (
        "Cellar meter",
        "5.000",
    )
    assert devices.request("GET", detail, token=admin_access).body["description"] == "Cellar meter"

    assert devices.request("GET", "/api/devices/", token=client_access).body["count"] == 0
    assert devices.request("GET", detail, token=client_access).status == 404
    assert devices.request("PATCH", detail, {"description": "x"}, token=client_access).status == 403
    assert devices.request("DELETE", detail, token=admin_access).status == 204
    assert devices.request("GET", detail, token=admin_access).status == 404


@pytest.mark.django_db(transaction=True, databases=["default", "devices"])
def test_the_devices_process_assigns_a_device_once_it_can_read_the_users_database(
    users_process, start_role
):
    create_user(role=Role.ADMIN, username="root")
    owner = create_user(role=Role.CLIENT, username="cleo")
    admin_access = access_token(users_process, "root")
    owner_access = access_token(users_process, "cleo")
    # The owner check of an assignment is the devices app's one read of the users database
    # (docs/consistency.md): this process gets both, and uses the users database for nothing else.
    devices = start_role("devices", reachable=["devices", "default"])

    created = devices.request(
        "POST",
        "/api/devices/",
        {"description": "Attic meter", "max_hourly_kwh": "3", "owner": owner.id},
        token=admin_access,
    )
    assert created.status == 201, created.body
    assert created.body["owner"] == owner.id
    mine = devices.request("GET", "/api/devices/", token=owner_access)
    assert [device["id"] for device in mine.body["results"]] == [created.body["id"]]
    refused = devices.request(
        "PATCH", f"/api/devices/{created.body['id']}/", {"owner": 10**9}, token=admin_access
    )
    assert refused.status == 400
    assert "owner" in refused.body["errors"]
