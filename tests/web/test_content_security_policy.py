"""Every page carries a Content-Security-Policy that allows only the site's own scripts and
styles, and the templates stay free of what such a policy would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.devices.conftest import make_device

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring", "chat"])

REPOSITORY = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]


@pytest.mark.parametrize("path", ["/login/", "/register/", "/no-such-page/", "/healthz"])
def test_anonymous_pages_carry_the_policy(client, path):
    _assert_strict(client.get(path))


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/alerts/", "/chat/", "/devices/{device}/"], ids=lambda p: p
)
def test_client_pages_carry_the_policy(client_browser, client_a, path):
    device = make_device(owner_id=client_a.id)
    response = client_browser.get(path.format(device=device.id))
    assert response.status_code == 200
    _assert_strict(response)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/users/user/",
        "/admin/users/user/add/",
        "/admin/devices/device/",
        "/admin/devices/device/add/",
        "/staff/chat/",
        "/staff/alerts/",
    ],
)
def test_admin_pages_carry_the_policy(admin_browser, path):
    response = admin_browser.get(path)
    assert response.status_code == 200
    _assert_strict(response)


def test_the_locked_out_page_carries_the_policy(client, client_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "alice", "password": "wrong-password"})
    assert response.status_code == 429
    _assert_strict(response)


def test_sockets_to_the_site_itself_are_allowed(client, settings):
    settings.ALLOWED_HOSTS = ["ems.example.org"]
    connect = _policy(client.get("/login/", HTTP_HOST="ems.example.org"))["connect-src"]
    assert connect == ["'self'", "ws://ems.example.org", "wss://ems.example.org"]


def test_a_foreign_host_is_a_400_with_the_policy_not_a_500(client):
    response = client.get("/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    _assert_strict(response)


def test_the_api_docs_allow_only_their_own_inline_style_by_hash(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = _policy(page)
    assert policy["script-src"] == ["'self'"]
    assert len(policy["style-src"]) == 2
    assert policy["style-src"][1].startswith("'sha256-")
    assert b"<script>" not in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


_TEMPLATES = sorted(
    [*REPOSITORY.glob("templates/**/*.html"), *REPOSITORY.glob("apps/*/templates/**/*.html")]
)
# What a policy without 'unsafe-inline' blocks: inline scripts, <style> blocks, style attributes
# and inline event handlers.
_BLOCKED = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("template", _TEMPLATES, ids=lambda path: path.name)
def test_the_templates_have_no_inline_script_or_style(template):
    assert not _BLOCKED.findall(template.read_text())
