"""The reverse proxy sends each path to the process that mounts it (docker/nginx/ems.conf)."""

import re

import crossplane
import pytest

from .processes import REPOSITORY, serves

CONFIG = REPOSITORY / "docker" / "nginx" / "ems.conf"


def _server_locations() -> list[dict]:
    parsed = crossplane.parse(str(CONFIG), single=True, check_ctx=False)
    assert parsed["status"] == "ok", parsed["errors"]
    (server,) = [
        d
        for d in parsed["config"][0]["parsed"]
        if d["directive"] == "server" and _listens(d) == ["8443", "ssl"]
    ]
    return [d for d in server["block"] if d["directive"] == "location"]


def _listens(server: dict) -> list[str]:
    return next(d["args"] for d in server["block"] if d["directive"] == "listen")


def _route(path: str) -> dict:
    """The location nginx picks: exact match, else the longest prefix unless a regex matches."""
    locations = _server_locations()
    exact = [loc for loc in locations if loc["args"][0] == "=" and loc["args"][1] == path]
    if exact:
        return exact[0]
    prefixes = [
        loc for loc in locations if len(loc["args"]) == 1 and path.startswith(loc["args"][0])
    ]
    longest = max(prefixes, key=lambda loc: len(loc["args"][0]), default=None)
    for loc in locations:
        if loc["args"][0] == "~" and re.search(loc["args"][1], path):
            return loc
    assert longest is not None, f"no location for {path}"
    return longest


def _upstream(location: dict) -> str:
    (proxy_pass,) = [d["args"][0] for d in location["block"] if d["directive"] == "proxy_pass"]
    # Upstreams are variables (`set $users users:8000;`), looked up in Docker's DNS when used.
    return proxy_pass.removeprefix("http://$")


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/auth/token/", "users"),
        ("/api/users/7/", "users"),
        ("/api/devices/", "devices"),
        ("/api/devices/6f1c0b9e-2f4e-4a58-9a47-0d7a8a3c1e55/", "devices"),
        ("/api/devices/6f1c0b9e-2f4e-4a58-9a47-0d7a8a3c1e55/consumption/", "monitoring"),
        ("/api/devices/former/", "monitoring"),
        ("/api/readings/", "monitoring"),
        ("/api/alerts/3/acknowledge/", "monitoring"),
        ("/api/chat/conversations/", "realtime"),
        ("/ws/chat/", "realtime"),
        ("/ws/notifications/", "realtime"),
        ("/admin/", "web"),
        ("/login/", "web"),
        ("/web/token/", "web"),
        ("/api/schema/", "web"),
        ("/static/admin/css/base.css", "web"),
        ("/", "web"),
    ],
)
def test_the_proxy_sends_each_path_to_its_process(path, role):
    assert _upstream(_route(path)) == role
    # Wherever the whole application serves the path, the process it is sent to mounts it too.
    if serves("all", path):
        assert serves(role, path)


def test_websocket_upgrades_reach_the_realtime_process_with_the_client_headers():
    headers = {
        d["args"][0]: d["args"][1]
        for d in _route("/ws/chat/")["block"]
        if d["directive"] == "proxy_set_header"
    }
    assert headers["Upgrade"] == "$http_upgrade"
    assert headers["Connection"] == "$connection_upgrade"
    # Setting any header in a location drops the server's: the client's must be repeated.
    assert {"Host", "X-Forwarded-For", "X-Forwarded-Proto"} <= headers.keys()


def test_plain_http_only_redirects_to_https_on_the_public_port():
    parsed = crossplane.parse(str(CONFIG), single=True, check_ctx=False)
    (plain,) = [
        d
        for d in parsed["config"][0]["parsed"]
        if d["directive"] == "server" and _listens(d) == ["8080"]
    ]
    locations = {
        " ".join(d["args"]): d["block"] for d in plain["block"] if d["directive"] == "location"
    }
    assert set(locations) == {"= /nginx-health", "/"}
    (redirect,) = locations["/"]
    assert redirect["args"] == ["301", "https://$host@HTTPS_PORT_SUFFIX@$request_uri"]
