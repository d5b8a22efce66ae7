"""Chat delivery with many sockets on one daphne while alerts flow (not a test).

    .venv/bin/python bench/sockets.py [--sockets 1000] [--seconds 20]

Starts one daphne process (the `realtime` role: production settings, its own chat database
`ems_bench_sockets_chat`, created and dropped, and the benchmarks' Redis database) and opens
`--sockets` WebSockets to it: half as many clients, each with its chat socket and its
notifications socket, as a browser tab has; and an administrator with one of each. Then, for
`--seconds`:

- alerts flow: `--alert-rate` `alert.created` events a second through the channel layer, as the
  monitoring worker sends them, each to a random client and to the administrators;
- clients chat: `--message-rate` messages a second, each from a random client's socket;
- a few other clients ping: `ping` frames on their chat sockets, four a second (under the
  sockets' rate limit of 5 frames a second).

The counted seconds follow `--warm-up` seconds of the same traffic: right after a thousand
sockets connect, the objects they left behind make the server's first full garbage collection
stop its event loop once, for 110-180 ms (docs/benchmarks.md, "Sockets"); the measure is the
steady state after it, the stall is reported beside it.

Measured: **chat delivery**, from a client sending a `message` frame to the stored message
arriving on the administrator's chat socket (the consumer stores it, then the channel layer
pushes it to the conversation and to the administrators), and on the sender's own socket.
Baseline, in the same run and the same seconds: the `ping` -> `pong` round trip on the same
daphne (the transport and the event loop: no database, no channel layer).
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    drop_database,
    environment,
    recreate_database,
    report,
    stop_on_sigterm,
)

DATABASE = "ems_bench_sockets"
ADMIN_ID = 1
FIRST_CLIENT_ID = 1000
# Sockets opened at once while connecting: each chat socket opens its conversation (one write).
OPENING_AT_ONCE = 50


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000, help="client sockets (two each)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--warm-up",
        type=float,
        default=10.0,
        help="seconds of the same traffic before the measured ones (see the module's docstring)",
    )
    parser.add_argument("--alert-rate", type=float, default=50.0, help="alerts a second")
    parser.add_argument("--message-rate", type=float, default=20.0, help="messages a second")
    parser.add_argument("--pingers", type=int, default=10, help="clients that only ping")
    parser.add_argument("--server-log", help="keep daphne's output in this file")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def token_for(user_id: int, role: str) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = str(user_id)
    token["role"] = role
    token["name"] = f"{role} {user_id}"
    token["timezone"] = "UTC"
    return str(token)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Socket:
    """One WebSocket of a simulated browser tab: frames read in the background."""

    def __init__(self, connection, name: str):
        self.connection, self.name = connection, name
        self.frames: asyncio.Queue = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for text in self.connection:
            frame = json.loads(text)
            frame["_received"] = time.perf_counter()
            await self.frames.put(frame)

    async def send(self, frame: dict) -> float:
        sent = time.perf_counter()
        await self.connection.send(json.dumps(frame))
        return sent

    async def first(self, kind: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            frame = await asyncio.wait_for(self.frames.get(), deadline - time.monotonic())
            if frame["type"] == kind:
                return frame


async def open_socket(port: int, path: str, token: str, gate: asyncio.Semaphore) -> Socket:
    from websockets.asyncio.client import connect

    async with gate:
        connection = await connect(
            f"ws://127.0.0.1:{port}{path}",
            subprotocols=["ems.jwt", token],
            origin=f"http://127.0.0.1:{port}",
            max_queue=None,
            ping_interval=None,
        )
        opened = Socket(connection, path)
        if path == "/ws/chat/":
            await opened.first("ready")
        return opened


async def run(port: int, args) -> dict:
    from channels.layers import get_channel_layer

    from ems.groups import ADMINS_GROUP, user_group

    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    clients = list(range(FIRST_CLIENT_ID, FIRST_CLIENT_ID + args.sockets // 2))
    tokens = {client: token_for(client, "client") for client in clients}
    admin_token = token_for(ADMIN_ID, "admin")
    started = time.monotonic()
    admin_chat = await open_socket(port, "/ws/chat/", admin_token, gate)
    admin_alerts = await open_socket(port, "/ws/notifications/", admin_token, gate)
    chats = await asyncio.gather(
        *(open_socket(port, "/ws/chat/", tokens[client], gate) for client in clients)
    )
    alerts = await asyncio.gather(
        *(open_socket(port, "/ws/notifications/", tokens[client], gate) for client in clients)
    )
    opened = len(chats) + len(alerts) + 2
    print(f"{opened} sockets open in {time.monotonic() - started:.1f} s", flush=True)

    layer = get_channel_layer()
    # Traffic runs through the warm-up and the measured seconds; only the latter are counted.
    measure_from = time.monotonic() + args.warm_up
    stop = measure_from + args.seconds
    measured: set[str] = set()
    sent_at: dict[str, float] = {}
    sender_of: dict[str, Socket] = {}
    pings: list[float] = []
    alerts_sent = itertools.count()

    async def flow_alerts() -> None:
        alert_ids = itertools.count(1)
        while time.monotonic() < stop:
            client = random.choice(clients)
            alert = {
                "id": next(alert_ids),
                "device": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "hour_start": "2026-12-01T10:00:00Z",
                "kwh": "3.5",
                "max_hourly_kwh": "2.0",
                "state": "open",
                "kind": "over_limit",
            }
            event = {"type": "alert.created", "alert": alert}
            await layer.group_send(user_group(client), event)
            await layer.group_send(ADMINS_GROUP, event)
            next(alerts_sent)
            await asyncio.sleep(min(1 / args.alert_rate, max(0.0, stop - time.monotonic())))

    lags: list[float] = []

    async def watch_own_loop() -> None:
        # This process's event loop lateness: a figure that includes it is the client's, too.
        while time.monotonic() < stop:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            if time.monotonic() >= measure_from:
                lags.append(time.perf_counter() - before - 0.01)

    pingers = chats[: args.pingers]
    talkers = chats[args.pingers :]

    async def chat() -> None:
        numbers = itertools.count(1)
        while time.monotonic() < stop:
            talker = random.choice(talkers)
            body = f"bench message {next(numbers)}"
            sender_of[body] = talker
            if time.monotonic() >= measure_from:
                measured.add(body)
            sent_at[body] = await talker.send({"type": "message", "body": body})
            await asyncio.sleep(min(1 / args.message_rate, max(0.0, stop - time.monotonic())))

    async def ping(sock: Socket) -> None:
        while time.monotonic() < stop:
            sent = await sock.send({"type": "ping"})
            pong = await sock.first("pong")
            if time.monotonic() >= measure_from:
                pings.append(pong["_received"] - sent)
            await asyncio.sleep(0.25)

    await asyncio.gather(flow_alerts(), chat(), watch_own_loop(), *(ping(sock) for sock in pingers))
    await asyncio.sleep(2)  # the last messages arrive

    def deliveries(sock_frames: list[dict]) -> dict[str, float]:
        return {
            frame["body"]: frame["_received"] - sent_at[frame["body"]]
            for frame in sock_frames
            if frame["type"] == "message" and frame.get("body") in sent_at
        }

    def drained(sock: Socket) -> list[dict]:
        frames = []
        while not sock.frames.empty():
            frames.append(sock.frames.get_nowait())
        return frames

    to_admin = deliveries(drained(admin_chat))
    own_copies: dict[str, float] = {}
    for sock in {id(s): s for s in sender_of.values()}.values():
        own_copies |= deliveries([f for f in drained(sock) if sender_of.get(f.get("body")) is sock])
    alerts_received = len([f for f in drained(admin_alerts) if f["type"] == "alert"])
    for sock in [admin_chat, admin_alerts, *chats, *alerts]:
        await sock.connection.close()
    return {
        "opened": opened,
        "messages": len(sent_at),
        "delivered_to_admin": len(to_admin),
        "to_admin": [seconds for body, seconds in to_admin.items() if body in measured],
        "own": [seconds for body, seconds in own_copies.items() if body in measured],
        "pings": pings,
        "client_lag_p99": percentile(lags, 0.99) if lags else 0.0,
        "alerts_sent": next(alerts_sent),
        "alerts_to_admin": alerts_received,
    }


def main() -> None:
    args = parse_args()
    stop_on_sigterm()
    env = environment(DATABASE, process="realtime")
    recreate_database(f"{DATABASE}_chat")
    port = free_port()
    server = None
    if args.server_log:
        log = open(args.server_log, "w+")  # noqa: SIM115 - daphne writes to it until the end
    else:
        log = tempfile.NamedTemporaryFile("w+", prefix="bench-daphne-", suffix=".log")  # noqa: SIM115
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", database="chat", verbosity=0)
        connections.close_all()
        daphne = Path(sys.executable).with_name("daphne")
        server = subprocess.Popen(  # noqa: S603 - our own server command
            [str(daphne), "-b", "127.0.0.1", "-p", str(port), "ems.asgi:application"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("daphne did not start")
                time.sleep(0.2)
        try:
            result = asyncio.run(run(port, args))
        except Exception:
            log.seek(0)
            print("daphne's log (the end):", *log.readlines()[-40:], sep="\n", file=sys.stderr)
            raise
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(f"{DATABASE}_chat")
    if not (result["to_admin"] and result["own"] and result["pings"]):
        sys.exit("nothing was measured: no message or ping in the counted seconds")
    missing = result["messages"] - result["delivered_to_admin"]
    print(
        f"{result['opened']} sockets; {result['messages']} messages ({missing} not delivered to "
        f"the administrator), {result['alerts_sent']} alerts sent, "
        f"{result['alerts_to_admin']} received by the administrator; delivery to the "
        f"administrator median {statistics.median(result['to_admin']) * 1000:.1f} ms, to the "
        f"sender's own socket median {statistics.median(result['own']) * 1000:.1f} ms, "
        f"p99 {percentile(result['own'], 0.99) * 1000:.1f} ms; ping median "
        f"{statistics.median(result['pings']) * 1000:.1f} ms; this process's own event loop "
        f"late by {result['client_lag_p99'] * 1000:.1f} ms at p99",
        flush=True,
    )
    if missing:
        sys.exit(f"{missing} messages never reached the administrator")
    if result["alerts_to_admin"] != result["alerts_sent"]:
        lost = result["alerts_sent"] - result["alerts_to_admin"]
        sys.exit(f"{lost} alerts never reached the administrator's socket")
    report(
        f"sockets: chat delivery p99, {result['opened']} sockets on one daphne, alerts flowing"
        " (baseline: ping -> pong p99)",
        percentile(result["to_admin"], 0.99) * 1000,
        percentile(result["pings"], 0.99) * 1000,
        "ms",
        goal="< 100 ms",
    )


if __name__ == "__main__":
    main()
