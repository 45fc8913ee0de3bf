"""Who is signing in from where, and when to lock them out (django-axes)."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
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


class PairOrAddressHandler(AxesDatabaseHandler):
    """django-axes' database handler, locking out on either of two counts.

    Five failures for one username from one address lock that pair out (AXES_FAILURE_LIMIT),
    as before. And AXES_ADDRESS_FAILURE_LIMIT failures from one address, whatever the usernames,
    lock the address out: usernames follow a public pattern (`teacher.<school>`), so password
    spraying tries a few common passwords against many of them, never five against one. The
    address limit is higher, as a school's staff share one address and mistype passwords.
    Both look back AXES_COOLOFF_TIME. A success clears only its own username's failures, so
    one account signing in does not wipe the address's count.

    AXES_LOCKOUT_PARAMETERS lists the pair first and the address second; axes counts each and
    compares one number with its limit, so the address's count is reported as the pair's
    limit once it reaches its own.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair_attempts.delete()
        return count
