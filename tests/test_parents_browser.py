"""A parent reports an absence and the office accepts it, in a real browser (Debian's Chromium,
driven by Playwright, against the live server).

Marked `browser` (skipped without Chromium or Playwright; a failure under REQUIRE_SERVICES=1).
The live server runs with the real date, so the term is built around today; on a weekend the
parent reports the absence for Monday instead, which the register then fills in.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from registers.models import Mark, MarkSource, Role
from registers.selectors import register_sheet
from tests.browser import PASSWORD, PHONE, school_with_term_around
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    GroupMembershipFactory,
    PupilContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    staff_member,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def scene():
    """Sam Ashdown of 4A at Browser Primary, whose parent is Pat; Olive in the office."""
    today = timezone.localdate()
    day = today + timedelta(days=max(0, 7 - today.weekday()) if today.weekday() > 4 else 0)
    school = school_with_term_around(today)
    office = staff_member(
        school,
        Role.OFFICE,
        "office",
        position="Office manager",
        first_name="Olive",
        last_name="Office",
    )
    group = RegistrationGroupFactory(school=school, name="4A")
    pupil = PupilFactory(legal_forename="Sam", legal_surname="Ashdown")
    EnrolmentFactory(pupil=pupil, school=school, start_date=today - timedelta(days=400))
    GroupMembershipFactory(group=group, pupil=pupil, start_date=today - timedelta(days=30))
    pat = ContactFactory(name="Pat Ashdown", email="pat.ashdown@example.org")
    PupilContactFactory(pupil=pupil, contact=pat, priority=1)
    app = TOTPDevice.objects.create(user=office, name="Authenticator app", confirmed=True)

    def code() -> str:
        totp = TOTP(app.bin_key, app.step, app.t0, app.digits, app.drift)
        return f"{totp.token():0{app.digits}d}"

    return {
        "school": school,
        "office": office,
        "group": group,
        "pupil": pupil,
        "day": day,
        "code": code,
    }


def test_a_parent_reports_an_absence_and_the_office_accepts_it(
    scene,
    browser,
    live_server,
    results: Path,
) -> None:
    # Issue: "The real-browser test suite includes a parent reporting an absence and the office
    # accepting it"; accepted, the register shows the code (reason "Reported by parent").
    from playwright.sync_api import expect

    pupil, day = scene["pupil"], scene["day"]

    # The parent, on a phone: asks for a link, opens it, reports the absence.
    parent = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    parent.set_default_timeout(15_000)
    parent.goto(live_server.url + reverse("parent_sign_in_request"))
    parent.get_by_label(re.compile("Your e-mail address")).fill("pat.ashdown@example.org")
    parent.get_by_role("button", name="E-mail me a link").click()
    expect(parent.get_by_role("status")).to_contain_text("If that address is on record")
    # The token follows "#" (issue #21): the page's script puts it in the form it posts.
    found = re.search(r"http://\S+/parents/sign-in/confirm/#\S+", str(mail.outbox[-1].body))
    assert found is not None
    link = found.group(0)
    parent.goto(link)
    assert "#" not in parent.url  # taken out of the address bar and the history
    parent.get_by_role("button", name="Sign in to the attendance pages").click()
    expect(parent.get_by_role("heading", name="Your children")).to_be_visible()
    parent.get_by_role("link", name="Sam Ashdown").click()
    parent.get_by_role("link", name="Report an absence").first.click()
    parent.get_by_label("Illness").check()
    parent.get_by_label("Absent on (or from)").fill(day.isoformat())
    parent.get_by_label(re.compile("Anything the school should know")).fill("A temperature")
    parent.get_by_role("button", name="Send to the school office").click()
    expect(parent.get_by_role("status")).to_contain_text("the school office has your report")
    expect(parent.locator("#reports")).to_contain_text("Waiting for the office")
    assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    parent.screenshot(path=results / "parent-reported.png", full_page=True)

    # The office: signs in, follows the link from the absence page, accepts with I.
    office = browser.new_page(viewport={"width": 1280, "height": 800})
    office.set_default_timeout(15_000)
    office.goto(live_server.url + reverse("absence_today", args=[scene["school"].pk]))
    office.get_by_label("Username").fill("office")
    office.get_by_label("Password").fill(PASSWORD)
    office.get_by_role("button", name="Sign in").click()
    # The office's second step (issue #21): the code its authenticator app shows now.
    office.get_by_label(re.compile("code your authenticator app shows")).fill(scene["code"]())
    office.get_by_role("button", name="Sign in").click()
    expect(office.locator("#pending-reports-link")).to_contain_text("1 waiting")
    office.get_by_role("link", name="Pending absence reports from parents").click()
    expect(office.get_by_role("heading", name="Pending absence reports")).to_be_visible()
    expect(office.get_by_role("combobox", name="Code")).to_have_value("I")
    office.get_by_role("button", name="Accept").click()
    expect(office.get_by_role("status")).to_contain_text("accepted: coded I")
    expect(office.get_by_text("No reports waiting.")).to_be_visible()
    office.screenshot(path=results / "office-accepted.png", full_page=True)

    # The register shows it: today's as an office mark, a day to come as a code it expects.
    line = register_sheet(group=scene["group"], day=day, session="AM").lines[0]
    if day == timezone.localdate():
        mark = Mark.objects.get(pupil=pupil, date=day, session="AM")
        assert (mark.code_id, mark.source) == ("I", MarkSource.OFFICE)
    else:
        assert line.expected_code == "I"
    parent.reload()
    expect(parent.locator("#reports")).to_contain_text("Accepted")
