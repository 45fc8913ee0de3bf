"""Signed-in sessions on a shared school computer: signed out when left idle, never cached.

The office's and the staffroom's computers are shared. A session left open is someone else's
way into pupils' records, so a session unused for SESSION_IDLE_TIMEOUT (30 minutes unless the
environment says otherwise) is signed out at its next request, whatever it asks for; sessions
also end SESSION_COOKIE_AGE after signing in. And no signed-in answer (page, export, letter,
API) may be kept by the browser or a proxy, where the next person at the machine could find it
with the back button: each carries `Cache-Control: no-store, private`.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

LAST_SEEN = "last_seen"
# How often the time last seen is written back: each write is a session save (a database
# write), so once a minute, not on every request; the timeout is kept to within a minute.
REFRESH_SECONDS = 60
SIGNED_OUT = "You were signed out after {minutes} minutes without using the site."


def note_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """On signing in (`user_logged_in`): the idle clock starts now, saved with the session that
    signing in writes anyway."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(timezone.now().timestamp())


class IdleTimeout:
    """Middleware, after authentication and messages: sign out an idle session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = int(timezone.now().timestamp())
        idle = int(settings.SESSION_IDLE_TIMEOUT.total_seconds())
        if request.user.is_authenticated:
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > idle:
                logout(request)
                messages.info(request, SIGNED_OUT.format(minutes=idle // 60))
        response = self.get_response(request)
        # Signed in by session (an API token has no session to note it in): note the time, at
        # most once a minute. A clock that went back (last seen "later" than now) counts as use.
        if SESSION_KEY in request.session:
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is None or now - last_seen >= REFRESH_SECONDS:
                request.session[LAST_SEEN] = now
        return response


class NoStoreWhenSignedIn:
    """Middleware: every answer to a signed-in user (by session or API token) is not stored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API sets request.user when its token authentication has run.
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
