"""Taking a register in a real browser: Debian's Chromium, driven by Playwright, against the site.

Marked `browser`: without /usr/bin/chromium or Playwright these tests are skipped saying why, and
fail under REQUIRE_SERVICES=1 (conftest.py). The live server runs in a thread with the real date,
so the calendar is built around today rather than a frozen clock; the browser's own clock is set
to 08:57 on the register's day, so that a late mark tapped "now" is within the session.
Screenshots are written to test-results/<test name>/ (ignored by git) for a person to look at.

Issue 22, "Done when": a teacher takes a 30-pupil register on a 375 px phone by taps alone; with
the browser set offline mid-save the marks survive a reload and are saved once it is back online.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from registers.models import (
    Amendment,
    Mark,
    Pupil,
    Register,
    RegistrationGroup,
    Role,
    SubmittedForm,
)
from tests.browser import PASSWORD, PHONE, school_with_term_around
from tests.factories import (
    EnrolmentFactory,
    GroupMembershipFactory,
    MarkFactory,
    MembershipFactory,
    PupilFactory,
    RegistrationGroupFactory,
    UserFactory,
)

# Transactional: the live server's thread must see what the test wrote. The serialized rollback
# puts back the code catalogue (migration data) that the flush after a transactional test removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONDON = ZoneInfo("Europe/London")
# Thirty made-up children, no two with the same name.
NAMES = [
    ("Amara", "Ashdown"),
    ("Ben", "Brook"),
    ("Chloe", "Carter"),
    ("Dev", "Dale"),
    ("Ella", "Ewing"),
    ("Finn", "Fairley"),
    ("Grace", "Gale"),
    ("Hari", "Hurst"),
    ("Isla", "Ivers"),
    ("Jack", "Jarvis"),
    ("Kemi", "Kerr"),
    ("Leo", "Lund"),
    ("Maya", "Marsh"),
    ("Noah", "Nash"),
    ("Olive", "Orme"),
    ("Priya", "Pike"),
    ("Quinn", "Quarry"),
    ("Rosa", "Reed"),
    ("Sami", "Shaw"),
    ("Tom", "Tate"),
    ("Uma", "Upton"),
    ("Vik", "Vane"),
    ("Willow", "Webb"),
    ("Xander", "Yeo"),
    ("Yara", "Young"),
    ("Zac", "Zeal"),
    ("Aled", "Abbott"),
    ("Bea", "Bell"),
    ("Cal", "Cole"),
    ("Dina", "Drew"),
]


@dataclass(frozen=True)
class ClassToday:
    teacher: User
    office: User
    group: RegistrationGroup
    pupils: list[Pupil]  # in register order (by surname, then forename)
    day: date  # the register's day: today, or the last weekday if today is a weekend
    today: date


def _class_4a(size: int) -> ClassToday:
    """Tess Teacher's class 4A of `size` pupils, in a term around the real date."""
    today = timezone.localdate()
    day = today - timedelta(days=max(0, today.weekday() - 4))  # Saturday, Sunday: back to Friday
    school = school_with_term_around(day)  # AM register opens 08:45, closes 09:15
    teacher = UserFactory(username="teacher4a", first_name="Tess", last_name="Teacher")
    MembershipFactory(user=teacher, school=school, position="Year 4 teacher")
    office = UserFactory(username="office", first_name="Olive", last_name="Office")
    MembershipFactory(user=office, school=school, role=Role.OFFICE, position="Office manager")
    group = RegistrationGroupFactory(school=school, name="4A")
    group.teachers.add(teacher)
    for n in range(size):
        forename, surname = NAMES[n]
        pupil = PupilFactory(legal_forename=forename, legal_surname=surname)
        EnrolmentFactory(pupil=pupil, school=school, start_date=day - timedelta(days=400))
        GroupMembershipFactory(group=group, pupil=pupil, start_date=day - timedelta(days=30))
    pupils = list(
        Pupil.objects.filter(group_memberships__group=group).order_by(
            "legal_surname", "legal_forename"
        )
    )
    return ClassToday(
        teacher=teacher, office=office, group=group, pupils=pupils, day=day, today=today
    )


@pytest.fixture
def class_4a() -> ClassToday:
    return _class_4a(6)


@pytest.fixture
def class_of_30() -> ClassToday:
    return _class_4a(30)


def _open_register(browser, live_server, scene: ClassToday, **context):
    """Sign in through the login form and open 4A's AM register, the browser's clock at 08:57
    on the register's day. Console errors and uncaught script errors are collected on
    `page.errors` (a register page must show none)."""
    from playwright.sync_api import expect

    browser_context = browser.new_context(timezone_id="Europe/London", locale="en-GB", **context)
    page = browser_context.new_page()
    page.errors = []
    page.on("console", lambda message: _console_error(page, message))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.set_default_timeout(15_000)
    page.clock.set_fixed_time(
        datetime.combine(scene.day, datetime.min.time(), LONDON).replace(hour=8, minute=57)
    )
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(scene.teacher.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if scene.day == scene.today:
        page.get_by_role("link", name=re.compile(r"^4A AM\b")).click()
    else:
        # A weekend: no register is due today, so the home page lists none; go by address.
        page.goto(live_server.url + _url(scene))
    expect(page.get_by_role("heading", name="4A: AM register")).to_be_visible()
    return page


def _console_error(page, message) -> None:
    # The browser asks for /favicon.ico by itself, whatever the page; the favicon is another
    # part of issue 22 (its own test checks it), not the register's.
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        page.errors.append(message.text)


def _accessible(page) -> None:
    """No serious or critical WCAG 2.2 AA violation found by axe-core (issue 22: "Accessible")."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [
        (v["id"], [node["target"] for node in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def _unexpected(errors: list[str], *expected: str) -> list[str]:
    """The console errors other than those a test brings about on purpose: the browser logs a
    failed request (no connection, a 409 answer) as an error whoever made it."""
    return [e for e in errors if not any(f"Failed to load resource: {x}" in e for x in expected)]


def _url(scene: ClassToday) -> str:
    return reverse("register", args=[scene.group.pk, scene.day, "AM"])


def _tap(page, pupil: Pupil):
    """The pupil's big button: named by the pupil, then what it shows ("/ Present")."""
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(pupil.name)} "))


def _marks(scene: ClassToday) -> dict[int, tuple[str, int | None]]:
    return {
        pupil_id: (code, minutes_late)
        for pupil_id, code, minutes_late in Mark.objects.filter(
            date=scene.day, session="AM"
        ).values_list("pupil_id", "code_id", "minutes_late")
    }


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


def test_a_teacher_takes_a_30_pupil_register_on_a_phone_by_taps_alone(
    class_of_30: ClassToday, browser, live_server, results: Path
) -> None:
    # Issue 22: "everyone present", then one tap per exception cycling present, absent (N),
    # late (L with the arrival time now); the server decides L or U (policy, 'Lateness':
    # 08:57 is before the 09:15 close, 12 minutes after the 08:45 opening).
    from playwright.sync_api import expect

    scene = class_of_30
    absent, late, ill, later = scene.pupils[1], scene.pupils[2], scene.pupils[3], scene.pupils[28]
    page = _open_register(
        browser, live_server, scene, viewport=PHONE, is_mobile=True, has_touch=True
    )
    counts = page.locator("#register-counts")
    expect(counts).to_contain_text("Not yet marked 30")
    _fits(page)

    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).tap()
    expect(counts).to_contain_text("Present 30")
    _tap(page, absent).tap()
    expect(_tap(page, absent)).to_have_text("N Absent")
    _tap(page, late).tap()
    _tap(page, late).tap()
    expect(_tap(page, late)).to_have_text("L Late")
    expect(page.locator(f"#arrived-{late.pk}")).to_have_value("08:57")
    # Every other code one step away: "More", then the code by its meaning.
    page.get_by_role("button", name=f"More codes for {ill.name}").tap()
    menu = page.get_by_role("dialog", name=f"Code for {ill.name}")
    menu.get_by_role("button", name=re.compile(r"^I Illness")).tap()
    expect(menu).to_be_hidden()
    expect(_tap(page, ill)).to_contain_text("I Illness")
    # A tap too many comes round again: absent, late, present.
    for _ in range(3):
        _tap(page, later).tap()
    expect(_tap(page, later)).to_have_text("/ Present")
    expect(page.locator(f"#arrived-{later.pk}")).to_have_value("")
    expect(counts).to_contain_text("Present 27")
    expect(counts).to_contain_text("Absent 2")
    expect(counts).to_contain_text("Late 1")
    expect(counts).to_contain_text("Not yet marked 0")
    # Large targets: every pupil's button and its "More" at least 44 x 44 px.
    for button in page.locator(".tap, .more").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    # The counts stay in view at the foot of the list, and Save is on screen.
    _tap(page, scene.pupils[-1]).scroll_into_view_if_needed()
    assert page.locator("#register-counts").evaluate("e => e.getBoundingClientRect().top") >= 0
    expect(page.get_by_role("button", name="Save register")).to_be_in_viewport()
    _fits(page)
    _accessible(page)
    # For the README: the list at the top of the screen, the counts above it.
    page.locator("ol.register").evaluate("list => list.scrollIntoView()")
    page.evaluate("window.scrollBy(0, -70)")
    page.screenshot(path=results / "register-phone.png")

    page.get_by_role("button", name="Save register").tap()
    expect(page.locator(".messages")).to_have_text("Register saved: 30 new mark(s), 0 amended.")
    expect(page.locator("#register-status")).to_contain_text("Taken by Tess Teacher")
    assert _marks(scene) == {
        pupil.pk: {absent.pk: ("N", None), late.pk: ("L", 12), ill.pk: ("I", None)}.get(
            pupil.pk, ("/", None)
        )
        for pupil in scene.pupils
    }
    _fits(page)
    assert page.errors == []


REGISTER_PAGES = re.compile(r".*/registers/.*")


def _posts_fail(page, *, first_reaches_server: bool = False) -> list[str]:
    """From now on the register's POSTs fail as a dropped connection does (GETs still load).
    With `first_reaches_server` the first reaches the server, which does its work, and only
    its answer is lost. Returns the list of POSTs seen, which grows as they are sent."""
    posts: list[str] = []

    def route(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data or "")
        if first_reaches_server and len(posts) == 1:
            route.fetch()
        route.abort("internetdisconnected")

    page.route(REGISTER_PAGES, route)
    return posts


def _wait_for(page, condition, what: str) -> None:
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never happened: {what}")


def _reconnect(page) -> None:
    """The connection drops and returns: the browser's `online` event."""
    page.context.set_offline(True)
    page.context.set_offline(False)


def test_marks_entered_offline_survive_a_reload_and_are_saved_once_back_online(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Issue 22: "with the browser set offline mid-save the marks survive a reload and are saved
    # once it is back online".
    from playwright.sync_api import expect

    scene = class_4a
    absent = scene.pupils[1]
    page = _open_register(browser, live_server, scene, viewport=PHONE, is_mobile=True)
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    _tap(page, absent).click()

    # The Wi-Fi drops as the teacher saves.
    page.context.set_offline(True)
    page.get_by_role("button", name="Save register").click()
    state = page.locator("#save-state")
    expect(state).to_contain_text("Not saved: there is no connection")
    expect(state).to_contain_text("kept on this device")
    assert Mark.objects.count() == 0

    # The page is reloaded while saving still fails (the school's network lets pages load but
    # the saves time out, say): the marks are put back, and sent again, and fail again.
    posts = _posts_fail(page)
    page.context.set_offline(False)
    _wait_for(page, lambda: len(posts) == 1, "the marks sent when the connection returned")
    page.reload()
    expect(state).to_contain_text("Not saved: there is no connection")
    expect(_tap(page, absent)).to_have_text("N Absent")
    expect(page.locator("#register-counts")).to_contain_text("Absent 1")
    assert len(posts) == 2 and Mark.objects.count() == 0

    # Back online for good: saved, once.
    page.unroute(REGISTER_PAGES)
    _reconnect(page)
    expect(page.locator(".messages")).to_have_text("Register saved: 6 new mark(s), 0 amended.")
    assert _marks(scene) == {
        pupil.pk: ("N" if pupil == absent else "/", None) for pupil in scene.pupils
    }
    assert Register.objects.filter(group=scene.group).count() == 1
    assert Amendment.objects.count() == 0
    # Nothing is left in the browser once the server has the marks.
    assert page.evaluate("Object.keys(localStorage)") == []
    page.reload()
    expect(_tap(page, absent)).to_have_text("N Absent")
    expect(state).to_be_hidden()
    assert _unexpected(page.errors, "net::ERR_INTERNET_DISCONNECTED") == []


def test_a_save_whose_answer_was_lost_is_sent_again_and_done_once(
    class_4a: ClassToday, browser, live_server
) -> None:
    # The save reached the server, which saved the register, but the answer never came back:
    # sent again with the same one-time token, it is not done twice (registers/middleware.py).
    from playwright.sync_api import expect

    scene = class_4a
    absent = scene.pupils[3]
    page = _open_register(browser, live_server, scene, viewport={"width": 1280, "height": 800})
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    _tap(page, absent).click()
    posts = _posts_fail(page, first_reaches_server=True)
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#save-state")).to_contain_text("Not saved: there is no connection")
    assert len(_marks(scene)) == 6  # saved on the server; the page cannot know it

    page.unroute(REGISTER_PAGES)
    _reconnect(page)
    expect(page.locator(".messages")).to_contain_text("already been sent")
    token = re.search(r'name="form_once"\s+([0-9a-f-]{32,36})', posts[0])  # multipart
    assert token and SubmittedForm.objects.filter(token=token.group(1)).count() == 1
    assert _marks(scene) == {
        pupil.pk: ("N" if pupil == absent else "/", None) for pupil in scene.pupils
    }
    assert Register.objects.filter(group=scene.group).count() == 1
    assert Amendment.objects.count() == 0
    assert page.evaluate("Object.keys(localStorage)") == []
    assert _unexpected(page.errors, "net::ERR_INTERNET_DISCONNECTED") == []


def test_a_register_saved_offline_is_saved_when_the_connection_returns(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Issue 22: "if a save fails for the network, the page says so, keeps them, and saves them
    # when the connection returns".
    from playwright.sync_api import expect

    scene = class_4a
    late = scene.pupils[2]
    page = _open_register(browser, live_server, scene, viewport={"width": 1280, "height": 800})
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    _tap(page, late).click()
    _tap(page, late).click()
    page.context.set_offline(True)
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#save-state")).to_contain_text("Not saved: there is no connection")
    page.context.set_offline(False)
    expect(page.locator(".messages")).to_have_text("Register saved: 6 new mark(s), 0 amended.")
    assert _marks(scene) == {
        pupil.pk: ("L", 12) if pupil == late else ("/", None) for pupil in scene.pupils
    }
    assert _unexpected(page.errors, "net::ERR_INTERNET_DISCONNECTED") == []


def test_a_stale_save_shows_the_conflict_and_overwrites_nothing(
    class_4a: ClassToday, browser, live_server
) -> None:
    # The register service's stale-save check: the office logged Ben's illness after the
    # teacher opened the page; her save is refused whole, the conflict shown, the office's
    # mark kept. Her other marks are put back for her to save again.
    from playwright.sync_api import expect

    scene = class_4a
    ben = scene.pupils[1]
    page = _open_register(browser, live_server, scene, viewport=PHONE, is_mobile=True)
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    _tap(page, ben).click()
    _tap(page, scene.pupils[4]).click()
    MarkFactory(
        pupil=ben,
        school=scene.group.school,
        date=scene.day,
        session="AM",
        code_id="I",
        recorded_by=scene.office,
        source="office",
    )
    page.get_by_role("button", name="Save register").click()

    problems = page.locator("#problems")
    expect(problems).to_contain_text("Someone else changed marks on this register")
    expect(problems).to_contain_text(f"{ben.name}: now I (Illness")
    expect(problems).to_contain_text("Olive Office")
    assert _marks(scene) == {ben.pk: ("I", None)}
    _accessible(page)
    expect(_tap(page, ben)).to_contain_text("I")
    expect(_tap(page, scene.pupils[4])).to_have_text("N Absent")
    _fits(page)

    page.get_by_role("button", name="Save register").click()
    expect(page.locator(".messages")).to_have_text("Register saved: 5 new mark(s), 0 amended.")
    assert _marks(scene) == {
        pupil.pk: {ben.pk: ("I", None), scene.pupils[4].pk: ("N", None)}.get(pupil.pk, ("/", None))
        for pupil in scene.pupils
    }
    assert _unexpected(page.errors, "the server responded with a status of 409") == []


def _tab_to(page, target, *, limit: int = 60) -> None:
    """Press Tab until `target` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_the_register_can_be_marked_with_the_keyboard_alone(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Issue 22: "full keyboard use": everyone present, one absent by the big button, one ill
    # from the menu of other codes, saved, without a pointer.
    from playwright.sync_api import expect

    scene = class_4a
    absent, ill = scene.pupils[2], scene.pupils[4]
    page = _open_register(browser, live_server, scene, viewport={"width": 1280, "height": 800})

    _tab_to(page, page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked")))
    page.keyboard.press("Enter")
    _tab_to(page, _tap(page, scene.pupils[0]))
    # Up and down move between pupils.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(_tap(page, absent)).to_be_focused()
    page.keyboard.press("Space")
    expect(_tap(page, absent)).to_have_text("N Absent")
    more = page.get_by_role("button", name=f"More codes for {ill.name}")
    _tab_to(page, more)
    page.keyboard.press("Enter")
    menu = page.get_by_role("dialog", name=f"Code for {ill.name}")
    expect(menu).to_be_visible()
    _accessible(page)
    for _ in range(40):
        if page.evaluate("document.activeElement.dataset.code") == "I":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()
    expect(_tap(page, ill)).to_contain_text("I Illness")
    _tab_to(page, page.get_by_role("button", name="Save register"))
    page.keyboard.press("Enter")

    expect(page.locator(".messages")).to_contain_text("Register saved: 6 new mark(s)")
    assert _marks(scene) == {
        pupil.pk: {absent.pk: ("N", None), ill.pk: ("I", None)}.get(pupil.pk, ("/", None))
        for pupil in scene.pupils
    }
    assert page.errors == []


def test_the_form_still_works_without_javascript(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Issue 22: "progressive enhancement of today's form, which keeps working without
    # JavaScript": the code pickers and the arrival time, posted as before.
    from playwright.sync_api import expect

    scene = class_4a
    absent, late = scene.pupils[1], scene.pupils[3]
    page = _open_register(
        browser, live_server, scene, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    for pupil in scene.pupils:
        expect(page.get_by_label(pupil.name, exact=True)).to_have_value("/")
    page.get_by_label(absent.name, exact=True).select_option("N")
    page.locator(f"#arrived-{late.pk}").fill("08:57")
    page.get_by_label(late.name, exact=True).select_option("L")
    _fits(page)
    page.get_by_role("button", name="Save register").click()
    expect(page.locator(".messages")).to_have_text("Register saved: 6 new mark(s), 0 amended.")
    _fits(page)
    assert _marks(scene) == {
        pupil.pk: {absent.pk: ("N", None), late.pk: ("L", 12)}.get(pupil.pk, ("/", None))
        for pupil in scene.pupils
    }
    register = Register.objects.get(group=scene.group, date=scene.day, session="AM")
    assert register.taken_by == scene.teacher


def test_a_future_days_register_cannot_be_saved_and_the_teacher_moves_between_days(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Issue 22, item 4: teachers move between days and sessions; a future day shows no Save.
    from playwright.sync_api import expect

    scene = class_4a
    page = _open_register(browser, live_server, scene, viewport=PHONE, is_mobile=True)
    nav = page.get_by_role("navigation", name="Other days and sessions")
    nav.get_by_role("link", name="PM").click()
    expect(page.get_by_role("heading", name="4A: PM register")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"next school day")).click()
    expect(page.locator("#session-problem")).to_contain_text("still to come")
    expect(page.get_by_role("button", name="Save register")).to_have_count(0)
    assert _tap(page, scene.pupils[0]).is_disabled()
    _fits(page)
    _accessible(page)
    page.get_by_role("link", name=re.compile(r"previous school day")).click()
    expect(page.get_by_role("button", name="Save register")).to_be_visible()
    assert page.errors == []


def test_a_refused_register_keeps_what_the_teacher_entered_until_it_is_put_right(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Saving stays all or nothing with the server deciding L or U: an arrival after the
    # session ended is refused whole, saying why; the marks entered stay on the page (and in
    # the browser, through a reload) for the teacher to put right.
    from playwright.sync_api import expect

    scene = class_4a
    late = scene.pupils[2]
    page = _open_register(browser, live_server, scene, viewport=PHONE, is_mobile=True)
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    _tap(page, late).click()
    _tap(page, late).click()
    page.locator(f"#arrived-{late.pk}").fill("16:00")
    page.get_by_role("button", name="Save register").click()

    problems = page.locator("#problems")
    expect(problems).to_contain_text("An arrival at 16:00 is after the AM session ended")
    expect(problems).to_be_focused()
    assert Mark.objects.count() == 0
    expect(_tap(page, late)).to_have_text("L Late")
    expect(page.locator("#register-counts")).to_contain_text("Present 5")
    page.reload()
    expect(page.locator("#save-state")).to_contain_text("have been put back (6 different")
    expect(page.locator(f"#arrived-{late.pk}")).to_have_value("16:00")

    page.locator(f"#arrived-{late.pk}").fill("09:00")
    page.get_by_role("button", name="Save register").click()
    expect(page.locator(".messages")).to_have_text("Register saved: 6 new mark(s), 0 amended.")
    assert _marks(scene) == {
        pupil.pk: ("L", 15) if pupil == late else ("/", None) for pupil in scene.pupils
    }
    assert page.evaluate("Object.keys(localStorage)") == []
    assert _unexpected(page.errors, "the server responded with a status of 400") == []


def test_after_a_lost_answer_a_reload_shows_the_saved_register_and_sends_nothing(
    class_4a: ClassToday, browser, live_server
) -> None:
    # Marks kept in the browser are the teacher's changes from what the page drew: once the
    # server has them all (its answer was lost), a reload has nothing left to send.
    from playwright.sync_api import expect

    scene = class_4a
    absent = scene.pupils[0]
    page = _open_register(browser, live_server, scene, viewport=PHONE, is_mobile=True)
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    _tap(page, absent).click()
    posts = _posts_fail(page, first_reaches_server=True)
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#save-state")).to_contain_text("Not saved: there is no connection")

    page.reload()
    expect(page.locator("#register-status")).to_contain_text("Taken by Tess Teacher")
    expect(_tap(page, absent)).to_have_text("N Absent")
    expect(page.locator("#save-state")).to_be_hidden()
    page.wait_for_timeout(1000)
    assert len(posts) == 1
    assert page.evaluate("Object.keys(localStorage)") == []
    assert len(_marks(scene)) == 6 and Amendment.objects.count() == 0
