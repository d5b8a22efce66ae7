"""X-Forwarded-Proto and -For count only from the reverse proxy (ems/proxies.py)."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from ems.proxies import TrustedProxyMiddleware

PROXY = "172.30.0.9"


def _through(settings, remote_addr: str, trusted: list[str]):
    settings.EMS_TRUSTED_PROXIES = trusted
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        seen["forwarded_for"] = request.META.get("HTTP_X_FORWARDED_FOR")
        return HttpResponse()

    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    TrustedProxyMiddleware(view)(request)
    return seen


def test_it_believes_the_forwarded_protocol_from_the_proxy(settings):
    assert _through(settings, PROXY, [PROXY]) == {"secure": True, "forwarded_for": "1.2.3.4"}


def test_it_ignores_the_forwarded_headers_from_any_other_peer(settings):
    assert _through(settings, "172.30.0.10", [PROXY]) == {"secure": False, "forwarded_for": None}


def test_it_accepts_networks_and_host_names(settings):
    assert _through(settings, "172.30.0.10", ["172.30.0.0/24"])["secure"] is True
    assert _through(settings, "127.0.0.1", ["localhost"])["secure"] is True


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_it_believes_the_containers_own_probe_on_loopback(settings, address):
    assert _through(settings, address, ["proxy.invalid"])["secure"] is True


def test_a_name_that_does_not_resolve_trusts_nobody_but_loopback(settings):
    assert _through(settings, "172.30.0.10", ["proxy.invalid"])["secure"] is False
