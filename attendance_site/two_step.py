"""Signing in in two steps: the password, then a one-time code from an authenticator app.

When a password is accepted (`user_logged_in`, from the staff sign-in page or the admin's),
`note_second_step` decides whether this session owes a code (`registers.services.second_factor`)
and notes it in the session. Until the code is given, `SecondStepRequired` lets the session
reach only the two pages below and signing out: every other page sends it to give its code (or,
the first time, to set an app up), and the API refuses it. The check reads the session only:
no query per request. An API token is a credential of its own, issued by an administrator, and
is not asked for a code.
"""

from base64 import b32encode
from collections.abc import Callable

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.http import AuthenticatedHttpRequest
from registers.services import second_factor

SECOND_STEP_DUE = "second_step_due"
API_REFUSAL = "Finish signing in with the code from your authenticator app first."
WRONG_CODE = "That code is not right, or has been used: try the code your app shows now."


def note_second_step(sender: object, request: HttpRequest | None, user: User, **kw: object) -> None:
    """On signing in: whether this session must still give a code."""
    if request is None or not hasattr(request, "session"):
        return
    if second_factor.second_step_due(user=user):
        request.session[SECOND_STEP_DUE] = True
    else:
        request.session.pop(SECOND_STEP_DUE, None)


class SecondStepRequired:
    """Middleware, after authentication and the session's idle check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session and session.get(SECOND_STEP_DUE):
            allowed = (reverse("two_step"), reverse("two_step_set_up"), reverse("logout"))
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": API_REFUSAL}, status=403)
                return _to("two_step", request.get_full_path())
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code your authenticator app shows",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _to(page: str, next_url: str) -> HttpResponse:
    """One of the two pages, carrying where the person was going."""
    return redirect(f"{reverse(page)}?{urlencode({'next': next_url})}" if next_url else page)


def _onwards(request: HttpRequest) -> HttpResponse:
    """Where the person was going, if it is on this site; else today's page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(wanted)
    return redirect("home")


def _signed_in_with(request: HttpRequest, device: object) -> HttpResponse:
    otp_login(request, device)
    request.session.pop(SECOND_STEP_DUE, None)
    return _onwards(request)


@login_required
@require_http_methods(["GET", "POST"])
def two_step(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The code, after the password."""
    if not request.session.get(SECOND_STEP_DUE):
        return _onwards(request)
    if not second_factor.has_authenticator(user=request.user):
        return _to("two_step_set_up", request.GET.get("next", ""))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.authenticator_check(
            user=request.user, code=form.cleaned_data["code"]
        )
        if device is not None:
            return _signed_in_with(request, device)
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "registration/two_step.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_step_set_up(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Setting up an authenticator app: scan the code (or type the key), give its first code.
    Required of heads, the office and administrators the first time they sign in; anyone else
    may choose to. Changing app later is done by an administrator, who removes the old one."""
    if second_factor.has_authenticator(user=request.user):
        if request.session.get(SECOND_STEP_DUE):
            return _to("two_step", request.GET.get("next", ""))
        return render(request, "registration/two_step_set_up.html", {"set_up": True})
    device = second_factor.authenticator_for_set_up(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.authenticator_confirm(device=device, code=form.cleaned_data["code"]):
            messages.success(
                request,
                "Your authenticator app is set up: you will be asked for a code each "
                "time you sign in.",
            )
            return _signed_in_with(request, device)
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "registration/two_step_set_up.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "qr": _qr_svg(device),
            "key": _key_in_groups(device),
            "required": second_factor.must_use_second_factor(user=request.user),
        },
        status=400 if form.is_bound else 200,
    )


def _qr_svg(device: TOTPDevice) -> SafeString:
    """The app's key as a QR code (inline SVG, drawn here from the key alone) of its otpauth://
    address, for the app to scan."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code to scan")
    return mark_safe(svg)  # noqa: S308 - segno's SVG of our own key


def _key_in_groups(device: TOTPDevice) -> str:
    """The key written out (base32, in groups of four), for an app that cannot scan."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[start : start + 4] for start in range(0, len(key), 4))
