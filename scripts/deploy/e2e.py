"""End-to-end checks of a running docker/compose.yaml stack, through the proxy only.

Run by scripts/test-deploy.sh after `compose up --wait`: the standard library and `websockets`
(from the project's venv). Every HTTP request and WebSocket goes to the published HTTPS port of
nginx, trusting the certificate the script generated; `docker` and compose are used only to
look inside containers, scale, break and restore them. Each check prints `ok` or `FAIL` with
why; the last line is `deploy: N passed, M failed`.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable

import websockets

UTC = dt.UTC
ARGS: argparse.Namespace
RESULTS: list[tuple[str, bool]] = []
STATE: dict = {}
MEASURED: dict = {}


# --- plumbing ------------------------------------------------------------------------------------


def check(name: str, function: Callable[[], None]) -> bool:
    started = time.monotonic()
    try:
        function()
    except Exception as error:  # a failed check is reported, the run goes on
        RESULTS.append((name, False))
        print(f"FAIL {name} ({time.monotonic() - started:.1f} s): {error!r}", flush=True)
        traceback.print_exc(limit=3, file=sys.stdout)
        return False
    RESULTS.append((name, True))
    print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
    return True


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ARGS.cafile)
    return context


def url(path: str, scheme: str = "https") -> str:
    port = ARGS.https_port if scheme in ("https", "wss") else ARGS.http_port
    return f"{scheme}://localhost:{port}{path}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = None


def api(method: str, path: str, body=None, token: str | None = None, device: str | None = None):
    """(status, parsed JSON or None, headers) of one request through the proxy."""
    global OPENER
    if OPENER is None:
        OPENER = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=tls_context()), NoRedirect
        )
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if device:
        headers["Authorization"] = f"Device {device}"
    request = urllib.request.Request(url(path), data=data, method=method, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as answer:
            raw, status, answer_headers = answer.read(), answer.status, answer.headers
    except urllib.error.HTTPError as error:
        raw, status, answer_headers = error.read(), error.code, error.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, answer_headers


def expect(status: int, method: str, path: str, **kwargs):
    got, body, _ = api(method, path, **kwargs)
    assert got == status, f"{method} {path}: {got} {body}"
    return body


def docker(*arguments: str, check_: bool = True, timeout: float = 300) -> str:
    done = subprocess.run(
        [ARGS.docker, *arguments], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check_ and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(arguments)}: {done.stdout}{done.stderr}")
    return done.stdout


def compose(*arguments: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [*ARGS.compose.split(), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"compose {' '.join(arguments)}: {done.stdout}{done.stderr}")
    return done.stdout


def containers(service: str | None = None) -> list[str]:
    filters = ["--filter", f"label=com.docker.compose.project={ARGS.project}"]
    if service:
        filters += ["--filter", f"label=com.docker.compose.service={service}"]
    names = docker("ps", *filters, "--format", "{{.Names}}").split()
    return sorted(names)


def health(name: str) -> str:
    return docker(
        "inspect",
        "--format",
        "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
        name,
    ).strip()


def wait_until(condition: Callable[[], bool], seconds: float, what: str, step: float = 1.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # noqa: S110 - not yet
            pass
        time.sleep(step)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


def all_healthy() -> bool:
    states = {name: health(name) for name in containers()}
    unhealthy = {name: state for name, state in states.items() if state != "healthy"}
    STATE["unhealthy"] = unhealthy
    return not unhealthy


def psql(database: str, sql: str) -> str:
    service = containers("postgres")[0]
    return docker(
        "exec", service, "psql", "--no-psqlrc", "-At", "-U", "postgres", "-d", database, "-c", sql
    ).strip()


def inbox_empty() -> bool:
    return psql("ems_monitoring", "SELECT count(*) FROM monitoring_inbox") == "0"


def hour_kwh(device: str, token: str, hour: dt.datetime) -> float | None:
    body = expect(
        200, "GET", f"/api/devices/{device}/consumption/?date={hour:%Y-%m-%d}", token=token
    )
    for entry in body["hours"]:
        start = dt.datetime.fromisoformat(entry["start"].replace("Z", "+00:00"))
        if start == hour:
            return None if entry["kwh"] is None else float(entry["kwh"])
    raise AssertionError(f"no hour {hour} in {body['hours']}")


# --- WebSockets ----------------------------------------------------------------------------------


async def socket(path: str, access: str):
    return await websockets.connect(
        url(path, "wss"),
        subprotocols=["ems.jwt", access],
        origin=f"https://localhost:{ARGS.https_port}",
        ssl=tls_context(),
        open_timeout=30,
    )


async def frame(connection, kind: str, seconds: float = 60) -> dict:
    """The next frame of that type (others, such as typing or ready, are skipped)."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind!r} frame within {seconds:.0f} s"
        received = json.loads(await asyncio.wait_for(connection.recv(), timeout=left))
        if received.get("type") == kind:
            return received


def run(coroutine):
    return asyncio.run(coroutine)


# --- the stack's people and meters ---------------------------------------------------------------


def sign_in(username: str, password: str) -> str:
    return expect(
        200, "POST", "/api/auth/token/", body={"username": username, "password": password}
    )["access"]


def new_client(label: str) -> tuple[dict, str]:
    username = f"{label}-{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    account = expect(
        201,
        "POST",
        "/api/auth/register/",
        body={"username": username, "password": password, "name": label.title()},
    )
    # Hours are compared in UTC below: the client's day is the UTC day (a claim of the token).
    expect(
        200, "PATCH", f"/api/users/{account['id']}/", body={"timezone": "UTC"}, token=STATE["admin"]
    )
    return account, sign_in(username, password)


def new_meter(owner: int, max_hourly_kwh: float, kind: str = "index") -> tuple[str, str]:
    device = expect(
        201,
        "POST",
        "/api/devices/",
        token=STATE["admin"],
        body={
            "description": f"e2e {kind} meter",
            "address": "1 Test Street",
            "max_hourly_kwh": max_hourly_kwh,
            "meter_kind": kind,
            "owner": owner,
        },
    )
    token = expect(
        201, "POST", f"/api/devices/{device['id']}/ingestion-token/", token=STATE["admin"]
    )["token"]
    return device["id"], token


def post_readings(device: str, token: str, readings: list[tuple[dt.datetime, float]]):
    """202 once the meter's token has reached monitoring (the device event is asynchronous)."""
    body = [
        {"device_id": device, "timestamp": moment.isoformat(), "measurement_value": value}
        for moment, value in readings
    ]

    def accepted() -> bool:
        status, answer, _ = api("POST", "/api/readings/", body=body, device=token)
        assert status in (202, 401, 403), f"{status} {answer}"
        return status == 202

    wait_until(accepted, 90, "monitoring accepts the meter's token")


def whole_hour(hours_ago: int) -> dt.datetime:
    now = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now - dt.timedelta(hours=hours_ago)


# --- checks --------------------------------------------------------------------------------------


def smoke_sign_in():
    STATE["admin"] = sign_in(ARGS.admin_user, ARGS.admin_password)
    me = expect(200, "GET", "/api/users/me/", token=STATE["admin"])
    assert me["role"] == "admin", me
    STATE["client"], STATE["client_access"] = new_client("client")
    assert expect(200, "GET", "/api/users/me/", token=STATE["client_access"])["role"] == "client"


def smoke_meter():
    STATE["device"], STATE["device_token"] = new_meter(STATE["client"]["id"], 1.0)
    mine = expect(200, "GET", "/api/devices/", token=STATE["client_access"])
    assert [d["id"] for d in mine["results"]] == [STATE["device"]], mine


def smoke_readings_alert_and_consumption():
    hour = whole_hour(2)
    STATE["hour"] = hour

    async def scenario():
        notifications = await socket("/ws/notifications/", STATE["client_access"])
        try:
            # Seven index readings, 10 minutes apart: 6 kWh in the hour, over its 1 kWh limit.
            post_readings(
                STATE["device"],
                STATE["device_token"],
                [(hour + dt.timedelta(minutes=10 * i), float(i)) for i in range(7)],
            )
            return await frame(notifications, "alert", 90)
        finally:
            await notifications.close()

    alert = run(scenario())
    assert alert["device"] == STATE["device"], alert
    assert dt.datetime.fromisoformat(alert["hour_start"].replace("Z", "+00:00")) == hour, alert
    wait_until(
        lambda: hour_kwh(STATE["device"], STATE["client_access"], hour) == 6.0,
        60,
        "6 kWh in the hour",
    )
    alerts = expect(200, "GET", "/api/alerts/", token=STATE["client_access"])
    assert [a["id"] for a in alerts["results"]] == [alert["id"]], alerts


async def chat_both_ways(client_access: str, admin_access: str, text: str) -> int:
    client = await socket("/ws/chat/", client_access)
    admin = await socket("/ws/chat/", admin_access)
    try:
        conversation = (await frame(client, "ready"))["conversation"]
        await frame(admin, "ready")
        await client.send(json.dumps({"type": "message", "body": f"client: {text}"}))
        got = await frame(admin, "message")
        assert got["body"] == f"client: {text}", got
        assert got["conversation"] == conversation, got
        await admin.send(
            json.dumps({"type": "message", "conversation": conversation, "body": f"admin: {text}"})
        )
        got = await frame(client, "message")
        while got["body"] != f"admin: {text}":  # the client's own echo comes first
            got = await frame(client, "message")
        return conversation
    finally:
        await client.close()
        await admin.close()


def smoke_chat():
    STATE["conversation"] = run(chat_both_ways(STATE["client_access"], STATE["admin"], "hello"))
    history = expect(
        200,
        "GET",
        f"/api/chat/conversations/{STATE['conversation']}/messages/",
        token=STATE["client_access"],
    )
    bodies = sorted(m["body"] for m in history["results"])
    assert bodies == ["admin: hello", "client: hello"], bodies


def tls_redirect_and_hsts():
    request = urllib.request.Request(url("/api/users/me/?x=1", "http"), method="GET")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=10)
        answer = None
    except urllib.error.HTTPError as error:
        answer = error
    assert answer is not None, "plain HTTP answered without a redirect"
    assert answer.code == 301, answer.code
    assert answer.headers["Location"] == url("/api/users/me/?x=1"), answer.headers["Location"]
    for path in ("/api/users/me/", "/readyz", "/api/devices/"):
        _, _, headers = api("GET", path)
        hsts = headers.get_all("Strict-Transport-Security")
        assert hsts == ["max-age=31536000; includeSubDomains"], (path, hsts)


def forwarded_proto_only_from_the_proxy():
    """A container that is not the proxy claims HTTPS to users:8000: production redirects it."""
    worker = containers("worker-events")[0]
    probe = (
        "import urllib.request as u\n"
        "class N(u.HTTPRedirectHandler):\n"
        "    def redirect_request(self, *a, **k): return None\n"
        "r = u.Request('http://users:8000/readyz', headers={'X-Forwarded-Proto': 'https', "
        "'Host': 'localhost'})\n"
        "try:\n    print(u.build_opener(N).open(r, timeout=10).status)\n"
        "except u.HTTPError as e:\n    print(e.code)\n"
    )
    assert docker("exec", worker, "python", "-c", probe).strip() == "301"


DATABASES = ("ems_users", "ems_devices", "ems_monitoring", "ems_chat")
URL_VARIABLES = (
    "USERS_DATABASE_URL",
    "DEVICES_DATABASE_URL",
    "MONITORING_DATABASE_URL",
    "CHAT_DATABASE_URL",
)
ISOLATION_PROBE = """
import os, sys, psycopg
from urllib.parse import urlsplit
results = {}
for variable in sys.argv[1:]:
    url = os.environ.get(variable, "")
    if not url.startswith("postgres://") or "@postgres:" not in url:
        continue
    own = urlsplit(url).path.lstrip("/")
    for database in DATABASES:
        other = url.rsplit("/", 1)[0] + "/" + database
        try:
            with psycopg.connect(other, connect_timeout=5) as connection:
                if database == own:
                    try:
                        connection.execute("CREATE TABLE e2e_ddl_probe (id int)")
                        results[variable + " ddl"] = "allowed"
                        connection.rollback()
                    except psycopg.Error as error:
                        results[variable + " ddl"] = "refused"
                results[variable + " " + database] = "connected"
        except psycopg.Error as error:
            results[variable + " " + database] = "refused"
print(repr(results))
""".replace("DATABASES", repr(DATABASES))


# The one long-running service that may change a schema: retention's partitions, in monitoring.
DDL_ALLOWED = {("worker-maintenance", "MONITORING_DATABASE_URL")}


def isolation_database_credentials():
    """Each role's URL opens its own database only; only migrate and retention may change it."""
    services = [
        "worker-maintenance",
        "users",
        "devices",
        "monitoring",
        "realtime",
        "web",
        "worker-readings",
        "worker-events",
        "worker-devices",
    ]
    problems = []
    for service in services:
        name = containers(service)[0]
        found = eval(docker("exec", name, "python", "-c", ISOLATION_PROBE, *URL_VARIABLES))  # noqa: S307
        assert found, f"{service}: no database URL"
        for key, outcome in found.items():
            variable, target = key.split(" ")
            if target == "ddl":
                wanted = "allowed" if (service, variable) in DDL_ALLOWED else "refused"
                if outcome != wanted:
                    problems.append(f"{service} {variable}: DDL {outcome}")
                continue
            own = {
                "USERS": "ems_users",
                "DEVICES": "ems_devices",
                "MONITORING": "ems_monitoring",
                "CHAT": "ems_chat",
            }[variable.split("_")[0]]
            wanted = "connected" if target == own else "refused"
            if outcome != wanted:
                problems.append(f"{service} {variable} -> {target}: {outcome}")
    assert not problems, problems
    # The migration role owns the four databases: the only one with DDL.
    owners = psql(
        "postgres",
        "SELECT string_agg(DISTINCT pg_get_userbyid(datdba), ',') FROM "
        "pg_database WHERE datname LIKE 'ems_%'",
    )
    assert owners == "ems_migrator", owners


def retention_makes_partitions():
    """Beat's retention task, on worker-maintenance, makes a coming month's partition again."""
    now = dt.datetime.now(UTC)
    month = now.replace(day=1) + dt.timedelta(days=62)
    table = f"monitoring_reading_p{month:%Y%m}"
    exists = f"SELECT count(*) FROM pg_class WHERE relname = '{table}'"  # noqa: S608 - digits
    wait_until(lambda: psql("ems_monitoring", exists) == "1", 120, f"{table} made by migrate")
    psql("ems_monitoring", f"DROP TABLE {table}")
    beat = containers("beat")[0]
    docker(
        "exec",
        beat,
        "celery",
        "-A",
        "ems",
        "call",
        "monitoring.delete_old_readings",
        "--queue",
        "maintenance",
    )
    wait_until(lambda: psql("ems_monitoring", exists) == "1", 120, f"{table} made again")
    maintenance = containers("worker-maintenance")[0]
    assert "retention: dropped" in logs(maintenance), logs(maintenance)[-2000:]


def isolation_no_root():
    found = {}
    for name in containers():
        status = docker("exec", name, "cat", "/proc/1/status")
        uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
        found[name] = uid
    root = [name for name, uid in found.items() if uid == "0"]
    assert not root, f"running as root: {root}"
    assert len(found) >= 12, found


def isolation_readyz():
    for service in ("users", "devices", "monitoring", "realtime", "web"):
        for name in containers(service):
            answer = docker(
                "exec",
                name,
                "python",
                "-c",
                "import urllib.request as u; print(u.urlopen(u.Request("
                "'http://127.0.0.1:8000/readyz', headers={'X-Forwarded-Proto': "
                "'https'}), timeout=10).read().decode())",
            )
            body = json.loads(answer)
            assert body["status"] == "ok", (name, body)
            assert set(body["checks"].values()) == {"ok"}, (name, body)
    wait_until(all_healthy, 120, "every container healthy")


# --- throughput ----------------------------------------------------------------------------------


def ingest_rate(label: str, meters: int = 40, per_meter: int = 1000) -> float:
    """Readings/s from the first POST to an empty inbox, posted by the administrator."""
    owner = STATE["client"]["id"]
    devices = [new_meter(owner, 10000, "interval")[0] for _ in range(meters)]
    start_hour = whole_hour(60)
    batches = [
        [
            {
                "device_id": device,
                "timestamp": (start_hour + dt.timedelta(minutes=i)).isoformat(),
                "measurement_value": 0.01,
            }
            for i in range(per_meter)
        ]
        for device in devices
    ]
    # The devices must be in monitoring's projection before readings of them are accepted.
    wait_until(
        lambda: (
            api("POST", "/api/readings/", body=batches[0][:1], token=STATE["admin"])[1].get(
                "accepted"
            )
            == 1
        ),
        60,
        "monitoring knows the new meters",
    )
    wait_until(inbox_empty, 120, "the inbox is empty before measuring")
    started = time.monotonic()
    for batch in batches:
        status, answer, _ = api("POST", "/api/readings/", body=batch, token=STATE["admin"])
        assert status == 202, (status, answer)
    wait_until(inbox_empty, 600, "the inbox drained", step=0.2)
    elapsed = time.monotonic() - started
    rate = meters * per_meter / elapsed
    MEASURED[label] = f"{meters * per_meter} readings in {elapsed:.1f} s: {rate:.0f} readings/s"
    print(f"     {label}: {MEASURED[label]}", flush=True)
    return rate


def scale_up():
    compose(
        "up",
        "-d",
        "--wait",
        "--wait-timeout",
        "600",
        "--no-build",
        "--scale",
        "worker-readings=3",
        "--scale",
        "realtime=2",
    )
    assert len(containers("worker-readings")) == 3
    assert len(containers("realtime")) == 2


async def socket_on_each_replica(path: str, access: str) -> list:
    """Open sockets until there is one on each realtime replica (nginx spreads them)."""
    opened, covered = [], set()
    replicas = containers("realtime")
    for _ in range(12):
        before = {name: wsconnects(name) for name in replicas}
        connection = await socket(path, access)
        await asyncio.sleep(0.3)
        after = {name: wsconnects(name) for name in replicas}
        (replica,) = [name for name in replicas if after[name] > before[name]] or [None]
        if replica in covered or replica is None:
            await connection.close()
            continue
        covered.add(replica)
        opened.append((replica, connection))
        if covered == set(replicas):
            return opened
    raise AssertionError(f"sockets reached only {covered}")


def logs(name: str) -> str:
    done = subprocess.run([ARGS.docker, "logs", name], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def wsconnects(name: str) -> int:
    return logs(name).count("WSCONNECT")


def scale_alert_reaches_both_replicas():
    client, access = new_client("scaled")
    device, token = new_meter(client["id"], 1.0)
    hour = whole_hour(3)

    async def scenario():
        sockets = await socket_on_each_replica("/ws/notifications/", access)
        try:
            post_readings(
                device, token, [(hour + dt.timedelta(minutes=10 * i), float(i)) for i in range(7)]
            )
            for replica, connection in sockets:
                alert = await frame(connection, "alert", 90)
                assert alert["device"] == device, (replica, alert)
        finally:
            for _, connection in sockets:
                await connection.close()

    run(scenario())
    # Which worker raised it does not matter; every worker took part in the drains after scaling.
    busy = [name for name in containers("worker-readings") if "drain_inbox" in logs(name)]
    print(f"     workers that drained the inbox: {len(busy)} of 3", flush=True)


def scale_chat_across_replicas():
    _, access = new_client("across")

    async def scenario():
        client_sockets = await socket_on_each_replica("/ws/chat/", access)
        admin_sockets = await socket_on_each_replica("/ws/chat/", STATE["admin"])
        try:
            ((client_replica, client_socket),) = client_sockets[:1]
            admin_replica, admin_socket = next(
                (r, c) for r, c in admin_sockets if r != client_replica
            )
            conversation = (await frame(client_socket, "ready"))["conversation"]
            await client_socket.send(json.dumps({"type": "message", "body": "across: client"}))
            got = await frame(admin_socket, "message")
            while got["body"] != "across: client":
                got = await frame(admin_socket, "message")
            await admin_socket.send(
                json.dumps(
                    {"type": "message", "conversation": conversation, "body": "across: admin"}
                )
            )
            got = await frame(client_socket, "message")
            while got["body"] != "across: admin":
                got = await frame(client_socket, "message")
            return client_replica, admin_replica
        finally:
            for _, connection in client_sockets + admin_sockets:
                await connection.close()

    replicas = run(scenario())
    print(f"     client on {replicas[0]}, administrator on {replicas[1]}", flush=True)


# --- faults --------------------------------------------------------------------------------------


class Stream(threading.Thread):
    """Readings of one interval meter, 1 kWh each, one a request, through the proxy."""

    def __init__(self, device: str, token: str, hour: dt.datetime):
        super().__init__(daemon=True)
        self.device, self.token, self.hour = device, token, hour
        self.acknowledged = 0
        self.refused = 0  # 503 (and other definite refusals): nothing was accepted
        self.unknown = 0  # no answer: accepted or not, nobody knows
        self.stopping = threading.Event()

    def run(self):
        second = 0
        while not self.stopping.is_set() and second < 2000:
            moment = self.hour + dt.timedelta(minutes=20, seconds=1 + second)
            second += 1
            body = [
                {
                    "device_id": self.device,
                    "timestamp": moment.isoformat(),
                    "measurement_value": 1.0,
                }
            ]
            try:
                status, _, _ = api("POST", "/api/readings/", body=body, device=self.token)
            except OSError:
                self.unknown += 1
                time.sleep(0.2)
                continue
            if status == 202:
                self.acknowledged += 1
            elif status in (502, 504):
                self.unknown += 1
                time.sleep(0.2)
            else:
                self.refused += 1
                time.sleep(0.2)
            time.sleep(0.02)


def faults_nothing_lost():
    client, access = new_client("faults")
    device, token = new_meter(client["id"], 10000, "interval")
    hour = whole_hour(5)
    # The meter is known to monitoring before the stream starts. This first reading's energy is
    # spread over the nominal 10 minutes before it (no predecessor), inside the hour as well; each
    # later one covers the second since its predecessor.
    post_readings(device, token, [(hour + dt.timedelta(minutes=20), 1.0)])
    stream = Stream(device, token, hour)
    stream.start()
    steps = []

    def step(what: str, action: Callable[[], None]):
        time.sleep(4)
        before = stream.acknowledged
        action()
        steps.append(what)
        print(
            f"     {what}: {stream.acknowledged - before} readings acknowledged meanwhile",
            flush=True,
        )

    try:
        worker = containers("worker-readings")[0]
        step(f"docker kill {worker}", lambda: docker("kill", worker))
        step("docker restart redis", lambda: docker("restart", containers("redis")[0]))
        step("docker restart postgres", lambda: docker("restart", containers("postgres")[0]))
        realtime = containers("realtime")[-1]
        step(f"docker restart {realtime}", lambda: docker("restart", realtime))
        time.sleep(5)
    finally:
        stream.stopping.set()
        stream.join(60)
    print(
        f"     stream: {stream.acknowledged} acknowledged, {stream.refused} refused, "
        f"{stream.unknown} without an answer",
        flush=True,
    )
    MEASURED["faults"] = (
        f"{stream.acknowledged} readings acknowledged during the faults, "
        f"{stream.refused} refused with an error, {stream.unknown} unanswered"
    )
    assert stream.acknowledged > 0
    wait_until(all_healthy, 300, "every container healthy again by itself", step=3)
    wait_until(inbox_empty, 300, "the inbox drained")
    expected = 1 + stream.acknowledged
    total = hour_kwh(device, access, hour)
    # Exactly once: every acknowledged reading counts once; an unanswered one may or may not.
    assert expected <= total <= expected + stream.unknown, (total, expected, stream.unknown)
    stored = int(
        psql(
            "ems_monitoring",
            f"SELECT count(*) FROM monitoring_reading WHERE device_id = '{uuid.UUID(device)}'",  # noqa: S608 - a UUID
        )
    )
    assert stored == total, (stored, total)


# --- backup and restore --------------------------------------------------------------------------


def backup_and_restore():
    before_kwh = hour_kwh(STATE["device"], STATE["client_access"], STATE["hour"])
    before_chat = expect(
        200,
        "GET",
        f"/api/chat/conversations/{STATE['conversation']}/messages/",
        token=STATE["client_access"],
    )["results"]
    folder = (
        subprocess.run(
            [ARGS.backup_script], capture_output=True, text=True, check=True, timeout=600
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert os.path.isdir(folder), folder
    dumps = sorted(os.listdir(folder))
    assert dumps == [f"{d}.dump" for d in sorted(DATABASES)], dumps
    compose("down", "--volumes", timeout=600)
    restored = subprocess.run(
        [ARGS.restore_script, folder], capture_output=True, text=True, timeout=900, check=False
    )
    assert restored.returncode == 0, restored.stdout[-3000:] + restored.stderr[-3000:]
    assert hour_kwh(STATE["device"], STATE["client_access"], STATE["hour"]) == before_kwh
    after_chat = expect(
        200,
        "GET",
        f"/api/chat/conversations/{STATE['conversation']}/messages/",
        token=STATE["client_access"],
    )["results"]
    assert [m["body"] for m in after_chat] == [m["body"] for m in before_chat], after_chat
    # The restored stack takes new readings and chat too.
    run(chat_both_ways(STATE["client_access"], STATE["admin"], "after the restore"))


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--https-port", required=True)
    parser.add_argument("--http-port", required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--compose", required=True, help="the compose command line, with -f -p")
    parser.add_argument("--docker", default="/usr/bin/docker")
    parser.add_argument("--admin-user", default="admin")
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--backup-script", required=True)
    parser.add_argument("--restore-script", required=True)
    parser.add_argument("--results", help="file for the measured figures (JSON)")
    ARGS = parser.parse_args()

    smoke = [
        check("smoke: an administrator and a client sign in through the proxy", smoke_sign_in),
        check(
            "smoke: the administrator creates and assigns a meter, issues its token", smoke_meter
        ),
    ]
    if all(smoke):
        check(
            "smoke: readings posted by the meter raise an alert on the client's socket and "
            "show as hourly consumption",
            smoke_readings_alert_and_consumption,
        )
        check("smoke: chat both ways between the client and the administrator", smoke_chat)
    check("tls: HTTP redirects to HTTPS, HSTS on every answer", tls_redirect_and_hsts)
    check(
        "tls: X-Forwarded-Proto is believed from the proxy only",
        forwarded_proto_only_from_the_proxy,
    )
    check(
        "isolation: each service's credentials open its own database only, no DDL",
        isolation_database_credentials,
    )
    check("isolation: no container runs as root", isolation_no_root)
    check(
        "retention: worker-maintenance makes the coming months' partitions (DDL in monitoring)",
        retention_makes_partitions,
    )
    check("isolation: /readyz of every HTTP service is green", isolation_readyz)
    if "admin" in STATE:
        check("scale: readings/s with 1 reading worker", lambda: ingest_rate("1 worker"))
        if check("scale: --scale worker-readings=3 --scale realtime=2", scale_up):
            check("scale: readings/s with 3 reading workers", lambda: ingest_rate("3 workers"))
            check(
                "scale: an alert reaches a socket on each realtime replica",
                scale_alert_reaches_both_replicas,
            )
            check(
                "scale: chat between a client and an administrator on different replicas",
                scale_chat_across_replicas,
            )
            check(
                "faults: kill a worker, restart redis, postgres and a realtime replica under a "
                "stream of readings: every 202 counted once, all healthy again",
                faults_nothing_lost,
            )
    if "conversation" in STATE:
        check(
            "backup: make backup, then restore into a fresh stack: same consumption and chat",
            backup_and_restore,
        )
    if ARGS.results:
        with open(ARGS.results, "w") as output:
            json.dump(MEASURED, output, indent=2)
    passed = sum(1 for _, ok in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(f"e2e: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
