"""The demo on any day: `seed_demo --today` for a day in each term and one in a holiday, then
every staff page of every role, as the first school's staff and each federation's admin see
it on that day.

Issue #17: "a test runs `seed_demo --today` for a date in each term and in a holiday and checks
that every staff page of each role answers 200 with non-empty content". The pages are every
route of the site a member of staff may open with a GET (from the URL configuration, through
`tests/test_permission_matrix.py`'s rules, so a new page is crawled too), filled in with the
demo's own objects. Non-empty: the page's main content says something, and none of the pages
that show today's work at a school says it has none (no register, case, letter due, request,
report or late arrival), on a school day or, where it still applies, in a holiday.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from html import unescape
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from absences.models import (
    LeaveDecision,
    LeaveRequest,
    MedicalEvidenceRequest,
    ParentCall,
    ParentReport,
    SafeguardingFlag,
    TimetableReview,
)
from penalties.models import ThresholdCase
from registers.models import Federation, Mark, Role, School, SchoolDay, Term
from tests.conftest import LONDON
from tests.test_permission_matrix import ROUTES, RULES

pytestmark = pytest.mark.django_db

# A day in each term of 2026/27 (the real date among them) and one in the Easter holiday.
DAYS = {
    "autumn": date(2026, 12, 4),
    "spring": date(2027, 2, 3),
    "summer": date(2027, 6, 16),
    "holiday": date(2027, 4, 6),
}
EXAMPLE = "kingscaple"
USERS = {
    Role.TEACHER: f"teacher.{EXAMPLE}",
    Role.OFFICE: f"office.{EXAMPLE}",
    Role.ATTENDANCE_LEAD: f"attendance_lead.{EXAMPLE}",
    Role.HEAD: f"head.{EXAMPLE}",
    Role.GOVERNOR: f"governor.{EXAMPLE}",
    Role.FEDERATION_ADMIN: "fedadmin.hmfa",
}
# Downloads (files, not pages) and pages of letters drawn by a task, which the demo leaves
# undrawn: their own tests cover them.
NOT_PAGES = {
    "api_docs",  # the API's interactive docs, drawn by their own script
    "followup_la_new_pupils_csv",
    "followup_la_deletions_csv",
    "followup_unauthorised_letter",
    "governors_report",
    "governors_csv",
    "federation_overview_csv",
    "followup_la_illness_csv",
    "followup_la_continuous_csv",
    "report_census",
    "report_census_xml",
    "leave_letter",
    "notice_to_improve_letter",
    "ladder_letter_download",
}
QUERIES = {"ladder_letters_preview": {"kind": "absence"}}
# What a page must not say on the demo's school days: it would have nothing in hand.
NOTHING_TODAY = {
    "home": "No school sessions today",
    "missing_registers": "not taken",  # must say it: a few are still to take (checked below)
    "absence_today": "No pupil is marked N today",
    "late_book": "No late arrivals recorded today",
    "pending_absence_reports": "No reports waiting",
    "safeguarding_flags": "No safeguarding follow-ups are open",
    "report_school": ": no sessions recorded",
}
NOTHING_EVER = {
    "leave_requests": "No requests are waiting for a decision",
    "leave_queue": "No requests are waiting for your decision",
    "threshold_cases": "No open cases",
    "intervention_ladder": "No pupil has fallen below a step this school year",
    "ladder_letters_preview": "No pupil is due a new",
    "part_time_timetables": "No part-time timetables are in place",
    "followup_medical_evidence": "No medical evidence asked for this school year",
    "governors_dashboard": "No marks this term yet",
}
# The same for the figures' tables, whose explanation names the words: not in a cell.
NO_FIGURE_CELL = "<em>no sessions recorded</em>"


@pytest.fixture(scope="module", params=list(DAYS))
def demo(request, django_db_setup, django_db_blocker) -> Iterator[dict]:
    """The demo seeded for the day, at 10:30 that morning; rolled back after the module's
    tests of that day."""
    today = DAYS[request.param]
    clock = time_machine.travel(datetime.combine(today, time(10, 30), LONDON), tick=False)
    with django_db_blocker.unblock(), clock, transaction.atomic():
        try:
            call_command("seed_demo", "--today", today.isoformat(), stdout=StringIO())
            connection.check_constraints()
            yield _ids(today) | {"day": request.param, "today": today}
        finally:
            transaction.set_rollback(True)


def _first(rows) -> int | None:
    return rows.order_by("pk").values_list("pk", flat=True).first()


def _ids(today: date) -> dict:
    """The demo's objects at the example school that the pages are about."""
    school = School.objects.get(name="Kings Caple Primary Academy")
    teacher = get_user_model().objects.get(username=USERS[Role.TEACHER])
    group = teacher.registration_groups.get()
    mark = (
        Mark.objects.filter(school=school, pupil__group_memberships__group=group)
        .order_by("-date", "pupil__upn")
        .first()
    )
    leave = LeaveRequest.objects.filter(school=school, decision=LeaveDecision.PENDING).first()
    assert mark is not None and leave is not None  # the demo has both
    # The register of this morning, still to take (or, in a holiday, the last one taken).
    school_day = SchoolDay.objects.filter(school=school, date=today, am=True).exists()
    return {
        "school_id": school.pk,
        "federation_id": school.federation_id,
        "group_id": group.pk,
        "pupil_id": mark.pupil_id,
        "mark_id": mark.pk,
        "date": today if school_day else mark.date,
        "session": "AM" if school_day else mark.session,
        "leave_id": leave.pk,
        "case_id": _first(ThresholdCase.objects.filter(school=school)),
        "review_id": _first(TimetableReview.objects.filter(timetable__school=school)),
        "request_id": _first(MedicalEvidenceRequest.objects.filter(school=school)),
        "flag_id": _first(SafeguardingFlag.objects.filter(school=school)),
        "report_id": _first(ParentReport.objects.filter(school=school)),
        "term_id": Term.objects.filter(school=school, start__lte=today).order_by("-start")[0].pk,
        "table": "rates",
        "report": "illness",
    }


def _pages(role: str) -> list[str]:
    return sorted(
        name
        for name, rule in RULES.items()
        if role in rule.roles
        and not rule.post
        and rule.kind in ("object", "site", "federation")
        and not name.startswith("api:")
        and name not in NOT_PAGES
    )


def _url(name: str, ids: dict) -> str | None:
    fields = re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])
    values = {field: ids["date"] if field == "day" else ids.get(field) for field in fields}
    if any(value is None for value in values.values()):
        return None  # the demo has no such object at the example school on this day
    return reverse(name, kwargs=values)


def _main_text(html: str) -> str:
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    body = main.group(1) if main else html
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.mark.parametrize("role", list(USERS))
def test_every_staff_page_of_each_role_answers_with_content_on_the_demos_day(client, demo, role):
    # Issue #17: "every staff page of each role answers 200 with non-empty content".
    client.force_login(get_user_model().objects.get(username=USERS[role]))
    school_day = demo["day"] != "holiday"
    seen = []
    for name in _pages(role):
        url = _url(name, demo)
        if url is None:
            continue
        response = client.get(url, QUERIES.get(name, {}))
        where = f"{name} as {role} on {demo['today']}"
        assert response.status_code == 200, where
        text = _main_text(response.content.decode())
        assert len(text) > 80, f"{where}: {text!r}"
        missing = NOTHING_EVER.get(name) or (school_day and NOTHING_TODAY.get(name))
        if name == "missing_registers" and school_day:
            assert "not taken" in text.lower(), where
        elif missing:
            assert missing not in text, f"{where} says {missing!r}"
        if name in ("governors_dashboard", "federation_overview"):
            # This term's row, and every school's: figures, not "no sessions recorded".
            rows = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
            shown = rows if name == "federation_overview" else rows.split("</tr>")[0]
            assert NO_FIGURE_CELL not in shown, where
        seen.append(name)
    assert seen


def test_the_day_is_a_school_day_in_progress_or_a_holiday_with_work_in_hand(demo):
    # Issue #17: "registers taken this morning except a few, open threshold cases, ladder
    # letters due, leave waiting for the head, pending parent reports".
    today = demo["today"]
    registers_today = Mark.objects.filter(date=today).values("school", "session").distinct()
    if demo["day"] == "holiday":
        assert not registers_today.exists()
    else:
        assert {row["session"] for row in registers_today} == {"AM"}
        assert ParentCall.objects.filter(called_at__date=today).exists()
    assert ThresholdCase.objects.filter(closed_at__isnull=True).count() >= 9
    assert LeaveRequest.objects.filter(decision=LeaveDecision.PENDING).exists()
    assert ParentReport.objects.filter(status="pending").exists()
    assert Federation.objects.count() == 2
