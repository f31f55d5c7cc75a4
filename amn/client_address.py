"""The address a request comes from, as login throttling counts it.

Behind the TLS proxy of a production installation every request arrives from the proxy,
so REMOTE_ADDR would put all users on one address and five typing errors anywhere would
lock everybody out. With TRUSTED_PROXY_COUNT proxies in front, the client is the entry
that many places from the right of X-Forwarded-For: entries further left are written by
the client itself and cannot be trusted.
"""

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
