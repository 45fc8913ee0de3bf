"""Middleware of the site's pages (the API answers for itself)."""

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse

from registers.services.submit_once import (
    FIELD,
    submitted_form_claim,
    submitted_form_done,
    submitted_form_forget,
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ALREADY_SENT = "That form had already been sent: what it asked for was done once."


class SubmitOnce:
    """A form post carrying a one-time token (`{% form_once %}`) runs its view at most once.

    The token is claimed and the view run in one transaction (registers.services.submit_once):
    a refused form (4xx, 5xx) rolls both back; a form that did its work (a redirect, as every
    form here answers then) keeps it, and the same form sent again goes where the first went,
    with a message, and nothing of it runs. A view of the API (Django REST framework's, which
    parses its own bodies) is left alone. Must come after the CSRF, authentication and message
    middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        if (
            request.method != "POST"
            or request.content_type not in FORM_TYPES
            or hasattr(view, "cls")  # rest_framework's APIView.as_view()
        ):
            return None
        raw = request.POST.get(FIELD)
        if raw is None:
            return None
        try:
            token = UUID(hex=raw)
        except ValueError:
            return HttpResponseBadRequest(
                "The form was damaged: reload the page and send it again.",
                content_type="text/plain; charset=utf-8",
            )
        with transaction.atomic():
            earlier = submitted_form_claim(token=token)
            if earlier is not None:
                messages.info(request, ALREADY_SENT)
                return HttpResponseRedirect(earlier.redirect_to or reverse("home"))
            response = view(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            elif response.has_header("Location"):
                submitted_form_done(token=token, redirect_to=response["Location"])
            else:
                # The page drawn again (a step that saves nothing, such as filling in the
                # register): the form was not sent yet, so its token stays free.
                submitted_form_forget(token=token)
        return response
