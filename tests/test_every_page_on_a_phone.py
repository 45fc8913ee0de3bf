"""Every page on a phone: each page of the site, as each role that may open it, in Chromium at
375 px, fits the screen, logs no error and passes axe-core's serious and critical rules.

Issue #22, "Done when": "a test generated from the URL configuration (like the permission
matrix) opens every page as every role that may see it at 375 px and fails if the page is wider
than the viewport, if the console shows an error, or if axe-core (`axe-playwright-python`)
reports a serious or critical violation". "Accessible: WCAG 2.2 AA as checked by axe-core."

The pages are every route a role may open with a GET (`tests/test_permission_matrix.py`'s rules,
read from the URL configuration, so a new page is opened here too), filled in with the demo's own
objects at Kings Caple (`seed_demo`, as `tests/test_seed_demo_pages.py` crawls them), and the
parents' pages as a parent of the demo. The demo is built once for the module inside a
transaction rolled back at the end.

How the browser reaches the site: Chromium asks for every URL of a made-up host, and Playwright
hands each request to Django's test client in this thread (the site's own middleware, views and
headers, the Content-Security-Policy included; static files from the finders, as the live
server serves them). The pages thus see the demo inside the module's transaction, which a live
server in another thread could not, and the demo is built once rather than once per test. One
browser for the module and one context (one signed-in client) per role keep it quick.
"""

import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from functools import partial
from io import StringIO
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from attendance_site.two_step import SECOND_STEP_DUE
from registers.models import PupilContact, Role
from tests.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, RESULTS
from tests.conftest import LONDON
from tests.test_permission_matrix import ROUTES, RULES
from tests.test_seed_demo_pages import NOT_PAGES, QUERIES, USERS, _ids

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# A Friday of the demo's autumn term, mid-morning: the registers taken, the office's calls due.
TODAY = date(2026, 12, 4)
HOST = "http://localhost"  # a trustworthy origin, as the live server's; nothing listens
PARENT = "parent"
ROLES = [*USERS, PARENT]
# Not pages a person reads on a phone: the API's schema (YAML) and its interactive docs (a
# developer's tool drawn by Swagger UI), a fragment the missing-registers page swaps in, and a letter
# (a PDF download).
NOT_PHONE_PAGES = {"api_schema", "api_docs", "missing_registers_live", "parents_letter"}
# axe-core's impacts that fail the test (WCAG 2.2 AA: the "serious" and "critical" rules).
FAILING_IMPACTS = {"serious", "critical"}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
}


def _pages(role: str) -> list[str]:
    if role == PARENT:
        kinds = {"parents"}
        allowed = lambda rule: rule.kind == "parents"  # noqa: E731
    else:
        kinds = {"object", "site", "federation"}
        allowed = lambda rule: role in rule.roles  # noqa: E731
    return sorted(
        name
        for name, rule in RULES.items()
        if allowed(rule)
        and rule.kind in kinds
        and not rule.post
        and not name.startswith("api:")
        and name not in NOT_PAGES | NOT_PHONE_PAGES
    )


PAGES = [(role, name) for role in ROLES for name in _pages(role)]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """The demo seeded for TODAY, the clock at 10:30 that morning; rolled back at the end."""
    clock = time_machine.travel(datetime.combine(TODAY, time(10, 30), LONDON), tick=True)
    with django_db_blocker.unblock(), clock:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--today", TODAY.isoformat(), stdout=StringIO())
            ids = _ids(TODAY)
            # A parent of the example school who has signed in (seed_demo gives them accounts).
            link = (
                PupilContact.objects.filter(
                    contact__user__isnull=False,
                    parental_responsibility=True,
                    pupil__enrolments__school_id=ids["school_id"],
                )
                .select_related("contact__user")
                .order_by("pupil__upn")
                .first()
            )
            assert link is not None and link.contact.user is not None
            users: dict[str, Any] = {
                role: get_user_model().objects.get(username=name) for role, name in USERS.items()
            }
            users[PARENT] = link.contact.user
            # Signed in here, not in a test: each test's own writes are rolled back after it.
            clients = {role: _signed_in(user) for role, user in users.items()}
            yield ids | {"clients": clients, "child_id": link.pupil_id}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _signed_in(user) -> Client:
    """A client signed in as the user, both steps (as conftest.py's `force_login` does)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session.pop(SECOND_STEP_DUE, None)
    session.save()
    return client


def _url(role: str, name: str, demo: dict) -> str | None:
    ids = demo | {"pupil_id": demo["child_id"]} if role == PARENT else demo
    fields = re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])
    values = {field: ids["date"] if field == "day" else ids.get(field) for field in fields}
    if any(value is None for value in values.values()):
        return None
    return reverse(name, kwargs=values)


def _serve(client: Client, failures: list[str]):
    """A Playwright route handler answering from Django: the page, or a static file.

    Playwright calls it while its event loop runs in this thread: see `_one_connection`.
    """
    ours = connections[DEFAULT_DB_ALIAS]

    def handle(route, request) -> None:
        try:
            answer(route, request)
        except BaseException as error:  # Playwright would only log it and let the request go
            failures.append(f"{request.url}: {error!r}")
            route.abort()

    def answer(route, request) -> None:
        _one_connection(ours)
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != HOST:
            route.abort()  # nothing leaves the machine
            return
        if parts.path.startswith("/static/"):
            found = finders.find(parts.path.removeprefix("/static/"))
            if found is None:
                route.fulfill(status=404, body="")
                return
            with open(found, "rb") as file:
                route.fulfill(
                    status=200,
                    body=file.read(),
                    content_type=mimetypes.guess_type(found)[0] or "application/octet-stream",
                )
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.generic(
            request.method,
            path,
            data=request.post_data_buffer or b"",
            content_type=request.headers.get("content-type", ""),
            headers={"accept": request.headers.get("accept", "*/*")},
        )
        body = (
            b"".join(cast(Iterator[bytes], cast(StreamingHttpResponse, response).streaming_content))
            if response.streaming
            else response.content
        )
        headers = {key: value for key, value in response.items()}
        route.fulfill(status=response.status_code, headers=headers, body=body)

    return handle


def _one_connection(ours) -> None:
    """Django's connection of this thread for whatever runs here while Playwright's event loop
    runs, which would otherwise be handed a second connection (asgiref keeps database
    connections per task under a running loop), outside the module's transaction."""
    connections[DEFAULT_DB_ALIAS] = ours


@pytest.fixture(scope="module")
def chromium(demo) -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread: Django's ORM must be allowed here.
    ours = connections[DEFAULT_DB_ALIAS]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _one_connection(ours)
            try:
                yield browser
            finally:
                browser.close()


def _console_error(errors: list[str], message: Any) -> None:
    if message.type == "error":
        errors.append(message.text)


def _page_error(errors: list[str], error: Any) -> None:
    errors.append(str(error))


@pytest.fixture(scope="module")
def phones(chromium, demo) -> Iterator[Callable[[str], Any]]:
    """One signed-in phone per role (a browser context), opened when first asked for."""
    opened: dict = {}

    def phone(role: str):
        if role not in opened:
            context = chromium.new_context(viewport=PHONE, base_url=HOST)
            errors: list[str] = []
            context.route("**/*", _serve(demo["clients"][role], errors))
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("console", partial(_console_error, errors))
            page.on("pageerror", partial(_page_error, errors))
            opened[role] = (page, errors)
        return opened[role]

    yield phone
    for page, _ in opened.values():
        page.context.close()


@pytest.fixture(scope="module")
def checked_main() -> dict[str, set[str]]:
    """For each page, the main contents axe-core has checked (as hashes of their markup)."""
    return {}


# The main content's markup, the one-time values of hidden fields (CSRF, submit-once) left out.
MAIN_MARKUP = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("input[type=hidden]").forEach((input) => input.removeAttribute("value"));
  return main.outerHTML;
}"""


@pytest.mark.parametrize(("role", "name"), PAGES)
def test_the_page_fits_a_phone_logs_no_error_and_passes_axe(demo, phones, checked_main, role, name):
    # Issue #22: "no page wider than the viewport at 375 px, for every role"; no console error
    # (a Content-Security-Policy violation included); no serious or critical axe-core violation.
    from axe_playwright_python.sync_playwright import Axe

    url = _url(role, name, demo)
    if url is None:
        pytest.fail(f"the demo has no object for {name} at Kings Caple on {TODAY}")
    page, errors = phones(role)
    errors.clear()
    query = "&".join(f"{k}={v}" for k, v in QUERIES.get(name, {}).items())
    response = page.goto(url + (f"?{query}" if query else ""), wait_until="load")
    assert response is not None and response.status == 200, (
        f"{url}: {response and response.status}, {errors}"
    )
    if (role, name) == (Role.OFFICE, "absence_today"):
        # The README's picture of the office's morning (docs/screenshots/, copied from here).
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "office-morning-phone.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    # The page's main content, when another role's was the very same markup, was checked then:
    # axe-core then checks only what differs by role around it (the header and navigation).
    main = hashlib.sha256(page.evaluate(MAIN_MARKUP).encode()).hexdigest()
    seen = checked_main.setdefault(name, set())
    results = Axe().run(
        page, context={"exclude": [["main"]]} if main in seen else None, options=AXE_OPTIONS
    )
    seen.add(main)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]
    problems = []
    if width > inner:
        problems.append(f"{width} px wide on a {inner} px screen: {_widest(page, inner)}")
    problems += [f"console: {e}" for e in errors]
    problems += [f"axe: {v}" for v in violations]
    assert not problems, f"{name} as {role} ({url}):\n  " + "\n  ".join(problems)


def _widest(page, inner: int) -> list[str]:
    """The elements reaching past the screen's right edge, deepest first, to say what to fix."""
    return page.evaluate(
        """(inner) => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > inner + 1)
            .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > inner + 1))
            .slice(0, 4)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                 + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')""",
        inner,
    )
