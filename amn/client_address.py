"""The address a request comes from, as login throttling counts it.

Behind the TLS proxy of a production installation every request arrives from the proxy,
so REMOTE_ADDR would put all users on one address and five typing errors anywhere would
lock everybody out. With TRUSTED_PROXY_COUNT proxies in front, the client is the entry
that many places from the right of X-Forwarded-For: entries further left are written by
the client itself and cannot be trusted.

An IPv6 address counts as its /64 prefix (its first address, "2001:db8:1:2::"): one host
is commonly given a whole /64, and counting each of its addresses apart would let it
spread guesses over as many "addresses" as it likes. An IPv4 address counts as it is.
"""

import ipaddress

from django.conf import settings

IPV6_PREFIX = 64


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return counted(remote)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return counted(remote)
    return counted(forwarded[-proxies])


def counted(address: str) -> str:
    """The address as throttling counts it: IPv4 as is, IPv6 by its /64 prefix."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
