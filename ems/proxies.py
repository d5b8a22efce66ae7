"""X-Forwarded-Proto and X-Forwarded-For are believed only from the reverse proxy.

Django's SECURE_PROXY_SSL_HEADER believes the header whoever sends it. Behind nginx that holds
only for requests that came through nginx: any other container on the same network could claim
HTTPS (or another client address for the rate limits). First in the chain, this middleware drops
both headers unless the peer is loopback (the container's own health probe) or one of
DJANGO_TRUSTED_PROXIES: addresses, networks or host names (`proxy` in docker/compose.yaml).
Names are looked up again at most every few seconds, since a recreated proxy gets a new address.
"""

import ipaddress
import socket
import time

from django.conf import settings

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")
LOOKUP_SECONDS = 5.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: list[str]) -> list[Network]:
    networks: list[Network] = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1")]
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        try:
            answers = socket.getaddrinfo(entry, None, proto=socket.IPPROTO_TCP)
        except OSError:
            continue  # not resolvable now (the proxy is not up): trusted once it is
        networks.extend(ipaddress.ip_network(answer[4][0]) for answer in answers)
    return networks


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.entries = list(settings.EMS_TRUSTED_PROXIES)
        self.networks = trusted_networks(self.entries)
        self.looked_up = time.monotonic()

    def __call__(self, request):
        forwarded = any(header in request.META for header in FORWARDED_HEADERS)
        if forwarded and not self.trusts(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)

    def trusts(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        if any(peer in network for network in self.networks):
            return True
        # An unknown peer may be the proxy at a new address: look the names up again, not often.
        if time.monotonic() - self.looked_up >= LOOKUP_SECONDS:
            self.networks = trusted_networks(self.entries)
            self.looked_up = time.monotonic()
            return any(peer in network for network in self.networks)
        return False
