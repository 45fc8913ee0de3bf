"""Who is signing in from where, for django-axes' lockout behind a reverse proxy."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the one our own proxies put in X-Forwarded-For.

    Each proxy appends the address it received the request from, so with N trusted proxies in
    front the client is the Nth entry from the right. Entries further left were written by the
    client itself and could be anything; they are never used.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
