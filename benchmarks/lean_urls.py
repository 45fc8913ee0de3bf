"""The site's URLs plus two the register benchmark needs (`benchmarks/register.py`).

- `capture/...`: the application's own register view, unchanged, with every statement it sends
  noted (text, parameters, and whether it went through a server-binding cursor) for the lean
  view to send again;
- `lean/...`: the lean view, which sends exactly those statements and answers with the same
  HTML (the page the application drew, with this request's CSRF and one-time form tokens) or
  the same redirect and message: the least any view can do for the same answer.

Both sit behind the same middleware as every page (sessions, CSRF, authentication, the
one-time form tokens), so the two differ only in the view.
"""

from contextlib import contextmanager
from uuid import uuid4

from django.contrib import messages
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path

from attendance_site.urls import urlpatterns as site_urlpatterns
from registers.lib import statements
from registers.views import registers as views

CSRF_TOKEN = "{{csrf-token}}"
FORM_ONCE = "{{form-once}}"


class Replay:
    """What the lean view answers with; set by the benchmark from the captured request."""

    statements: list[tuple[str, object, bool]] = []  # (sql, params, server-binding)
    page: str = ""  # the application's page, its tokens replaced by CSRF_TOKEN and FORM_ONCE
    location: str = ""
    message: str = ""


captured: list[tuple[str, object, bool]] = []


@contextmanager
def _noting():
    def note(execute, sql, params, many, context):
        binding = type(context["cursor"].cursor).__name__ == "ServerBindingCursor"
        captured.append((sql, params, binding))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        yield


def capture_view(request, group_id: int, day: str, session: str):
    from datetime import date

    captured.clear()
    with _noting():
        return views.register(
            request, group_id=group_id, day=date.fromisoformat(day), session=session
        )


def _send(sent) -> None:
    # The application's fixed statements through the same kind of cursor (server-bound,
    # prepared), the ORM's through Django's ordinary one.
    with connection.cursor() as plain, statements._cursor() as binding:
        for sql, params, server in sent:
            cursor = binding if server else plain
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


def lean_view(request, group_id: int, day: str, session: str):
    if request.method == "POST":
        request.POST  # noqa: B018  (parsed, as any view reading the form would)
        with transaction.atomic():
            _send(Replay.statements)
        messages.success(request, Replay.message)
        return HttpResponseRedirect(Replay.location)
    _send(Replay.statements)
    return HttpResponse(
        Replay.page.replace(CSRF_TOKEN, get_token(request)).replace(FORM_ONCE, uuid4().hex)
    )


urlpatterns = [
    path("capture/<int:group_id>/<str:day>/<str:session>/", capture_view),
    path("lean/<int:group_id>/<str:day>/<str:session>/", lean_view),
    *site_urlpatterns,
]
