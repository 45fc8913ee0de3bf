"""Taking a register in a real browser: Debian's Chromium, driven by Playwright, against the site.

Marked `browser`: without /usr/bin/chromium or Playwright these tests are skipped saying why, and
fail under REQUIRE_SERVICES=1 (conftest.py). The live server runs in a thread with the real date,
so the calendar is built around today rather than a frozen clock. Screenshots are written to
test-results/<test name>/ (ignored by git) for a person to look at.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from registers.models import Mark, Pupil, Register, RegistrationGroup, Role
from tests.browser import PASSWORD, PHONE, school_with_term_around
from tests.factories import (
    EnrolmentFactory,
    GroupMembershipFactory,
    PupilFactory,
    RegistrationGroupFactory,
    staff_member,
)

# Transactional: the live server's thread must see what the test wrote. The serialized rollback
# puts back the code catalogue (migration data) that the flush after a transactional test removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@dataclass(frozen=True)
class ClassToday:
    teacher: User
    group: RegistrationGroup
    pupils: list[Pupil]  # in register order (by surname)
    day: date  # the register's day: today, or the last weekday if today is a weekend
    today: date


@pytest.fixture
def class_4a() -> ClassToday:
    """Tess Teacher's class 4A of six pupils, in a term around the real date."""
    today = timezone.localdate()
    day = today - timedelta(days=max(0, today.weekday() - 4))  # Saturday, Sunday: back to Friday
    school = school_with_term_around(day)  # AM register opens 08:45, closes 09:15
    teacher = staff_member(
        school,
        Role.TEACHER,
        "teacher4a",
        position="Year 4 teacher",
        first_name="Tess",
        last_name="Teacher",
    )
    group = RegistrationGroupFactory(school=school, name="4A")
    group.teachers.add(teacher)
    pupils = []
    for forename, surname in [
        ("Amara", "Ashdown"),
        ("Ben", "Brook"),
        ("Chloe", "Carter"),
        ("Dev", "Dale"),
        ("Ella", "Ewing"),
        ("Finn", "Fairley"),
    ]:
        pupil = PupilFactory(legal_forename=forename, legal_surname=surname)
        EnrolmentFactory(pupil=pupil, school=school, start_date=day - timedelta(days=400))
        GroupMembershipFactory(group=group, pupil=pupil, start_date=day - timedelta(days=30))
        pupils.append(pupil)
    return ClassToday(teacher=teacher, group=group, pupils=pupils, day=day, today=today)


def _open_register(browser, live_server, scene: ClassToday, **context):
    """Sign in through the login form and open 4A's AM register from the home page."""
    from playwright.sync_api import expect

    page = browser.new_page(**context)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(scene.teacher.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if scene.day == scene.today:
        page.get_by_role("link", name=re.compile(r"^4A AM\b")).click()
    else:
        # A weekend: no register is due today, so the home page lists none; go by address.
        page.goto(live_server.url + reverse("register", args=[scene.group.pk, scene.day, "AM"]))
    expect(page.get_by_role("heading", name="4A: AM register")).to_be_visible()
    return page


def _marks(scene: ClassToday) -> dict[int, tuple[str, int | None]]:
    return {
        pupil_id: (code, minutes_late)
        for pupil_id, code, minutes_late in Mark.objects.filter(
            date=scene.day, session="AM"
        ).values_list("pupil_id", "code_id", "minutes_late")
    }


def test_teacher_takes_the_am_register_with_one_absent_and_one_late(
    class_4a: ClassToday, browser, live_server, results: Path
) -> None:
    # Policy, 'Lateness': arriving after the register opens but before it closes is L, with the
    # minutes late counted from the opening (08:45 to 08:57: 12).
    from playwright.sync_api import expect

    scene = class_4a
    absent, late = scene.pupils[1], scene.pupils[3]
    page = _open_register(browser, live_server, scene, viewport={"width": 1280, "height": 800})

    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    for pupil in scene.pupils:
        expect(page.get_by_label(pupil.name, exact=True)).to_have_value("/")
    page.get_by_label(absent.name, exact=True).select_option("N")
    page.locator(f"#arrived-{late.pk}").fill("08:57")
    page.get_by_label(late.name, exact=True).select_option("L")
    page.get_by_role("button", name="Save register").click()

    expect(page.get_by_role("status")).to_have_text("Register saved: 6 new mark(s), 0 amended.")
    expect(page.locator("#register-status")).to_contain_text("Taken by Tess Teacher")
    page.screenshot(path=results / "register.png", full_page=True)
    assert _marks(scene) == {
        pupil.pk: {absent.pk: ("N", None), late.pk: ("L", 12)}.get(pupil.pk, ("/", None))
        for pupil in scene.pupils
    }
    register = Register.objects.get(group=scene.group, date=scene.day, session="AM")
    assert register.taken_by == scene.teacher


def test_register_fits_a_phone_screen_without_sideways_scrolling(
    class_4a: ClassToday, browser, live_server, results: Path
) -> None:
    from playwright.sync_api import expect

    scene = class_4a
    page = _open_register(
        browser, live_server, scene, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page.get_by_role("button", name=re.compile(r"^Mark everyone not yet marked present")).click()
    expect(page.get_by_label(scene.pupils[0].name, exact=True)).to_have_value("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Saved, the page grows: each line says what is saved, and the reason box appears.
    page.locator(f"#arrived-{scene.pupils[2].pk}").fill("08:57")
    page.get_by_label(scene.pupils[2].name, exact=True).select_option("L")
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_role("status")).to_contain_text("Register saved")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=results / "register-phone.png", full_page=True)


def _tab_to(page, target, *, limit: int = 40) -> None:
    """Press Tab until `target` has the focus (a time input takes a Tab per field)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def _arrow_to(page, select, code: str, *, limit: int = 20) -> None:
    """Press the down arrow on a focused select until it shows `code`."""
    for _ in range(limit):
        page.keyboard.press("ArrowDown")
        if select.input_value() == code:
            return
    raise AssertionError(f"the down arrow never reached {code!r}")


def test_the_register_can_be_filled_with_the_keyboard_alone(
    class_4a: ClassToday, browser, live_server
) -> None:
    from playwright.sync_api import expect

    scene = class_4a
    absent = scene.pupils[4]
    page = _open_register(browser, live_server, scene, viewport={"width": 1280, "height": 800})

    for pupil in scene.pupils:
        select = page.get_by_label(pupil.name, exact=True)
        _tab_to(page, select)
        _arrow_to(page, select, "N" if pupil == absent else "/")
    _tab_to(page, page.get_by_role("button", name="Save register"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Register saved: 6 new mark(s)")
    assert _marks(scene) == {
        pupil.pk: ("N" if pupil == absent else "/", None) for pupil in scene.pupils
    }
