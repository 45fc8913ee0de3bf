"""Production settings: `check --deploy` is clean, cookies and transport are secure, a
Content-Security-Policy is sent, and error pages and logs show nothing of the request."""

import logging
import logging.handlers
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import include, path
from django.utils.log import AdminEmailHandler

# A realistic production key: long and random-looking (check --deploy rejects weak ones).
SECRET = "q8Vz-3nR#tL0w!pXe7Km$2sJd9Hc^4bYf6Ga&1uNi5Oo@TrW7yE0kLm+Zx"
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "attendance.example.org"}
PUPIL = "Zebedee Quixote"
REASON = "what the code said went wrong"


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run in a fresh interpreter with the production settings module and only `env` on top."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DEBUG", "SECRET_KEY", "SECURE_", "SESSION_", "CSRF_", "REDIS"))
        and key not in ("ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(
        [sys.executable, *args],
        env={**keep, "DJANGO_SETTINGS_MODULE": "attendance_site.settings", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
        timeout=300,
    )


def _production_setting(expression: str, **env: str) -> str:
    code = (
        f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    )
    result = _run(["-c", code], {**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_check_deploy_is_clean_with_production_settings():
    # "`python manage.py check --deploy` clean with production settings (tested)."
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_production_cookies_are_secure_and_http_only_and_hsts_is_a_year():
    # Secure, HTTP-only session and CSRF cookies in production.
    values = _production_setting(
        "s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER"
    )
    assert values == (
        "True True True True True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_transport_settings_can_be_changed_from_the_environment():
    # No TLS terminating proxy in front: the redirect and the proxy header can be turned off.
    values = _production_setting(
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER",
        SECURE_SSL_REDIRECT="0",
        SECURE_PROXY_SSL_HEADER="",
    )
    assert values == "False None"
    values = _production_setting(
        "s.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SSL,on"
    )
    assert values == "('HTTP_X_FORWARDED_SSL', 'on')"


def test_a_malformed_proxy_header_setting_stops_the_start():
    result = _run(
        ["-c", "import django; django.setup()"], {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X"}
    )
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be 'HEADER,value'" in result.stderr


@pytest.mark.django_db
def test_every_page_sends_a_content_security_policy_without_inline_script(client):
    # A Content-Security-Policy: the site's own scripts and styles only.
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    # Only style attributes (the charts' SVG) may be inline; never a script.
    assert [name for name, value in directives.items() if "unsafe" in value] == ["style-src-attr"]


def test_no_page_template_has_inline_script_or_a_style_block():
    # The policy allows no inline script and no <style> block, so no page template may carry
    # one. (Letters and reports drawn to PDF by WeasyPrint, with their @page rules, are never
    # served as pages, so their <style> is theirs.)
    templates = Path(settings.BASE_DIR) / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\son[a-z]+=", re.IGNORECASE)
    offenders = [
        str(template.relative_to(templates))
        for template in templates.rglob("*.html")
        if "@page" not in template.read_text() and inline.search(template.read_text())
    ]
    assert offenders == []


def test_no_log_handler_mails_or_records_request_bodies():
    # No pupil data in logs or e-mails: Django's mail_admins handler (which mails POST data with
    # a server error) is not wired to any logger.
    for name in ("django", "django.request", "django.security", ""):
        logger = logging.getLogger(name)
        while logger is not None:
            assert not any(isinstance(h, AdminEmailHandler) for h in logger.handlers), name
            logger = logger.parent if logger.propagate else None


# Error pages with DEBUG off show nothing of the request ---------------------------------------


def _not_found(request: HttpRequest) -> HttpResponse:
    raise Http404(REASON)


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(REASON)


def _bad(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(REASON)


def _broken(request: HttpRequest) -> HttpResponse:
    request.POST.get("name")
    raise RuntimeError(REASON)


urlpatterns = [
    path("error-pages/404/", _not_found),
    path("error-pages/403/", _forbidden),
    path("error-pages/400/", _bad),
    path("error-pages/500/", _broken),
    path("", include("attendance_site.urls")),
]


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "Not understood"),
        (403, "Not allowed"),
        (404, "Not found"),
        (500, "Something went wrong"),
    ],
)
def test_error_pages_say_what_happened_and_nothing_of_the_request(client, status, title, caplog):
    # No pupil data in error pages or logs: not what was sent, nor the reason the code gave.
    client.raise_request_exception = False
    response = client.post(f"/error-pages/{status}/?name={PUPIL}", {"name": PUPIL})
    assert response.status_code == status
    page = response.content.decode()
    assert title in page
    for detail in (PUPIL, REASON, "error-pages"):
        assert detail not in page
    assert caplog.records  # the error is logged, but never with the query or the body
    assert PUPIL not in caplog.text
