"""What the demo's schools have in hand today, besides the registers.

Two kinds, so the registers agree with them:
- Events planned before the marks, because they decide codes (`overrides` for `history.py`):
  leave approved earlier this year (coded `C`), a part-time timetable (its afternoons `C2`), a
  long illness (over five school days of `I`, a candidate for medical evidence), a pupil whose
  parent reported them ill this morning (coded `N` by the register, the report waiting for the
  office), and requests for leave still to come, waiting for the head.
- Events written after the marks, reading them back (`after_marks`): this morning's late book
  (the `L` and `U` marks), the calls about this morning's `N`, and at the example school a
  pupil nobody could reach, flagged for safeguarding follow-up.

Someone at every school arrives late this morning (an `L` override), so the late book always
has a line. The demo spans every app, as retention does, so this module writes the absences
app's rows.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    LeaveCategory,
    LeaveDecision,
    LeaveRequest,
    LeaveSource,
    MedicalEvidenceRequest,
    ParentCall,
    ParentReport,
    PartTimeTimetable,
    ReportKind,
    SafeguardingFlag,
    TimetableReview,
)
from registers.codes import (
    ILLNESS,
    LATE_AFTER_CLOSE,
    LATE_BEFORE_CLOSE,
    NOT_YET_ESTABLISHED,
    PART_TIME_TIMETABLE,
)
from registers.lib.calendar import AM, PM, academic_year_start
from registers.models import LateArrival, Mark, PupilContact, School

from .marks import Profile
from .plan import COMPULSORY_YEARS, PlannedPupil, SchoolInfo

Session = tuple[date, str]

LATE_REASONS = ("Overslept", "Car would not start", "Bus late", "Doctor's appointment first",
                "Traffic on the A49", "Sibling unwell")  # fmt: skip
PENDING_LEAVE = (
    (LeaveCategory.EXCEPTIONAL, "Grandmother's funeral in Kraków", "Letter from the priest"),
    (LeaveCategory.HOLIDAY, "Family holiday: the flights are cheaper in term time", ""),
    (
        LeaveCategory.PERFORMANCE,
        "Appearing in a professional pantomime at the Courtyard, Hereford",
        "The local authority's performance licence, applied for",
    ),
)


@dataclass
class SchoolEvents:
    """One school's events: the codes they decide, and the rows to write for them."""

    # By UPN and session: the code, and minutes late for a late mark.
    overrides: dict[str, dict[Session, tuple[str, int | None]]] = field(default_factory=dict)
    leave: list[dict] = field(default_factory=list)
    timetables: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)

    def override(
        self, upn: str, sessions: list[Session], code: str, minutes: int | None = None
    ) -> None:
        self.overrides.setdefault(upn, {}).update(
            {session: (str(code), minutes) for session in sessions}
        )


def _days(school: SchoolInfo) -> list[date]:
    return sorted({day for day, _ in school.sessions})


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment), timezone.get_default_timezone())


def _same_week(days: list[date]) -> list[date]:
    """The first of `days` and those after it in the same week: a request for a few days
    does not run over a weekend or a holiday."""
    return [day for day in days if day - days[0] < timedelta(days=7 - days[0].weekday())]


def _both(days: list[date]) -> list[Session]:
    return [(day, session) for day in days for session in (AM, PM)]


def plan_events(
    *,
    rng: random.Random,
    school: SchoolInfo,
    pupils: list[PlannedPupil],
    today: date,
    office: str,
    head: str,
    example: bool,
    untaken: frozenset[str],
) -> SchoolEvents:
    """The events of one school, planned from its calendar (`school.sessions` reaches some
    weeks past today) and its pupils on roll today."""
    events = SchoolEvents()
    days = _days(school)
    year_first = school.year_first_day(academic_year_start(today))
    past = [day for day in days if year_first <= day < today]
    future = [day for day in days if day > today]
    today_is_school_day = today in days
    on_roll = [p for p in pupils if p.leaving_date is None and p.start_date <= today]
    steady = [p for p in on_roll if p.year_group in COMPULSORY_YEARS and p.profile is Profile.GOOD]
    rng.shuffle(steady)

    # Leave approved earlier this school year, taken and coded C.
    if len(past) >= 45 and steady:
        pupil = steady.pop()
        start = rng.randrange(len(past) - 45, len(past) - 32)
        taken = past[start : start + 2]
        events.override(pupil.upn, _both(taken), LeaveCategory.EXCEPTIONAL)
        asked = taken[0] - timedelta(days=24)
        events.leave.append(
            {
                "pupil": pupil.upn,
                "first_day": taken[0],
                "last_day": taken[-1],
                "category": LeaveCategory.EXCEPTIONAL,
                "reason": "Grandfather's funeral in Lisbon",
                "evidence": "Funeral director's letter",
                "received_on": asked,
                "recorded_by": office,
                "recorded_at": _at(asked, time(10, 20)),
                "source": LeaveSource.PAPER,
                "decision": LeaveDecision.APPROVED,
                "decision_reason": "Exceptional circumstances: a close family funeral abroad.",
                "decided_by": head,
                "decided_at": _at(asked + timedelta(days=2), time(15, 40)),
                "approved": True,
            }
        )
    # Requests for days to come, waiting for the head (one asked for online by a parent).
    for number, (category, reason, evidence) in enumerate(PENDING_LEAVE):
        if len(future) < 25 or not steady:
            break
        pupil = steady.pop()
        start = rng.randrange(8, 22)
        asked_for = _same_week(future[start : start + rng.randint(1, 3)])
        received = today - timedelta(days=rng.randint(0, 4))
        events.leave.append(
            {
                "pupil": pupil.upn,
                "first_day": asked_for[0],
                "last_day": asked_for[-1],
                "category": category,
                "reason": reason,
                "evidence": evidence,
                "received_on": received,
                "recorded_by": office,
                "recorded_at": _at(received, time(8, 35 + number)),
                "source": LeaveSource.ONLINE if number == 0 else LeaveSource.PAPER,
                "decision": LeaveDecision.PENDING,
            }
        )
    # A part-time timetable at the example school: Friday afternoons off, reviewed fortnightly.
    fridays = [day for day in past if day.weekday() == 4]
    if example and len(fridays) >= 4 and len(future) >= 15 and steady:
        part_timer = next((p for p in steady if p.year_group in ("2", "3", "4", "5")), None)
        if part_timer is not None:
            steady.remove(part_timer)
            begins = fridays[-4] - timedelta(days=4)
            off = [(day, PM) for day in fridays if day >= begins]
            events.override(part_timer.upn, off, PART_TIME_TIMETABLE)
            events.timetables.append(
                {
                    "pupil": part_timer.upn,
                    "start": begins,
                    "end": future[14],
                    "reason": "A phased return after a long illness, agreed with the parents "
                    "and the school nurse.",
                    "agreed_by": head,
                    "agreed_at": _at(begins - timedelta(days=3), time(16, 0)),
                    "reviews": [begins + timedelta(days=14), future[4]],
                }
            )
    # A long illness: over five school days of I, a candidate for medical evidence.
    medical = [p for p in steady if p.medical_condition] or steady
    if len(past) >= 20 and medical:
        pupil = medical[0]
        steady.remove(pupil)
        ill = past[-14:-8]
        events.override(pupil.upn, _both(ill), ILLNESS)
        if example:
            events.evidence.append(
                {
                    "pupil": pupil.upn,
                    "first_day": ill[0],
                    "last_day": ill[-1],
                    "requested_on": ill[-1] + timedelta(days=3),
                    "requested_by": office,
                }
            )
    # Someone always comes in late this morning: the late book has a line.
    registered = [p for p in steady if p.group not in untaken]
    if today_is_school_day and registered:
        late = registered[0]
        steady.remove(late)
        events.override(late.upn, [(today, AM)], LATE_BEFORE_CLOSE, rng.randint(3, 9))
    # Parents' reports waiting for the office: ill this morning (the register says N), and an
    # appointment on the next school day.
    report_day = today if today_is_school_day else (future[0] if future else None)
    if report_day is not None and len(steady) >= 2:
        ill_pupil, appointment_pupil = steady.pop(), steady.pop()
        if report_day == today:
            events.override(ill_pupil.upn, [(today, AM)], NOT_YET_ESTABLISHED)
        events.reports.append(
            {
                "pupil": ill_pupil.upn,
                "kind": ReportKind.ILLNESS,
                "first_day": report_day,
                "first_session": AM,
                "last_day": report_day,
                "last_session": PM,
                "appointment_time": None,
                "details": "Temperature and a cough since last night.",
                "submitted_at": _at(today, time(7, 42)),
            }
        )
        next_day = next((day for day in future if day > report_day), None)
        if next_day is not None:
            events.reports.append(
                {
                    "pupil": appointment_pupil.upn,
                    "kind": ReportKind.MEDICAL,
                    "first_day": next_day,
                    "first_session": AM,
                    "last_day": next_day,
                    "last_session": AM,
                    "appointment_time": time(10, 30),
                    "details": "Orthodontist at the County Hospital.",
                    "submitted_at": _at(today, time(7, 55)),
                }
            )
    return events


def write_events(
    *,
    events: SchoolEvents,
    school_id: int,
    pupil_ids: dict[str, int],
    user_ids: dict[str, int],
    parents: dict[int, tuple[int, int]],
) -> None:
    """Write one school's planned events. `parents` gives each pupil's first contact with
    parental responsibility and that contact's user account (contact id, user id)."""
    for planned in events.leave:
        leave = dict(planned)
        pupil_id = pupil_ids[leave["pupil"]]
        approved = leave.pop("approved", False)
        recorded_by = user_ids[leave.pop("recorded_by")]
        if leave["source"] == LeaveSource.ONLINE:
            if pupil_id in parents:
                recorded_by = parents[pupil_id][1]
            else:  # nobody with parental responsibility has an e-mail address: a letter came
                leave["source"] = LeaveSource.PAPER
        decided_by = leave.pop("decided_by", None)
        LeaveRequest.objects.create(
            school_id=school_id,
            pupil_id=pupil_id,
            **{k: v for k, v in leave.items() if k != "pupil"},
            recorded_by_id=recorded_by,
            decided_by_id=user_ids[decided_by] if decided_by else None,
            **(
                {
                    "approved_first_day": leave["first_day"],
                    "approved_first_session": AM,
                    "approved_last_day": leave["last_day"],
                    "approved_last_session": PM,
                }
                if approved
                else {}
            ),
        )
    for planned in events.timetables:
        plan = dict(planned)
        reviews = plan.pop("reviews")
        timetable = PartTimeTimetable.objects.create(
            school_id=school_id,
            pupil_id=pupil_ids[plan.pop("pupil")],
            sessions_off=["Fri PM"],
            agreed_by_id=user_ids[plan.pop("agreed_by")],
            **plan,
        )
        for due in reviews:
            held = due < reviews[-1]
            TimetableReview.objects.create(
                timetable=timetable,
                due_on=due,
                held_on=due if held else None,
                held_by_id=timetable.agreed_by_id if held else None,
                notes="Settling well; keep Friday afternoons off for now." if held else "",
            )
    for planned in events.evidence:
        request = dict(planned)
        MedicalEvidenceRequest.objects.create(
            school_id=school_id,
            pupil_id=pupil_ids[request.pop("pupil")],
            requested_by_id=user_ids[request.pop("requested_by")],
            **request,
        )
    for planned in events.reports:
        report = dict(planned)
        pupil_id = pupil_ids[report.pop("pupil")]
        if pupil_id not in parents:
            continue  # nobody with parental responsibility could sign in to report it
        contact_id, user_id = parents[pupil_id]
        ParentReport.objects.create(
            school_id=school_id,
            pupil_id=pupil_id,
            contact_id=contact_id,
            submitted_by_id=user_id,
            **report,
        )


def after_marks(
    *, rng: random.Random, school: School, today: date, office_id: int, example: bool
) -> None:
    """This morning's late book and calls, read back from the register: each `L` or `U` has
    its late-book line, and the office has rung about some of the `N`s (one pupil at the
    example school every contact, unreached: a safeguarding follow-up)."""
    times = {
        year: (phase.am_start, phase.am_register_closes)
        for phase in school.session_times.all()
        for year in phase.year_groups
    }
    marks = list(
        Mark.objects.filter(school=school, date=today, session=AM)
        .select_related("pupil")
        .order_by("pupil__legal_surname", "pupil__pk")
    )
    late = [m for m in marks if m.code_id in (LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE)]
    LateArrival.objects.bulk_create(
        LateArrival(
            pupil=mark.pupil,
            school=school,
            date=today,
            session=AM,
            arrived_at=(
                datetime.combine(today, times[mark.pupil.year_group][0])
                + timedelta(minutes=mark.minutes_late or 0)
            ).time(),
            reason=rng.choice(LATE_REASONS),
            mark=mark,
            recorded_by_id=office_id,
            recorded_at=_at(today, times[mark.pupil.year_group][1]),
        )
        for mark in late
    )
    reported = set(
        ParentReport.objects.filter(school=school, first_day=today).values_list(
            "pupil_id", flat=True
        )
    )
    absent = [m.pupil for m in marks if m.code_id == NOT_YET_ESTABLISHED]
    absent = [pupil for pupil in absent if pupil.pk not in reported]
    contacts: dict[int, list[PupilContact]] = {}
    for link in PupilContact.objects.filter(pupil__in=absent).select_related("contact"):
        contacts.setdefault(link.pupil_id, []).append(link)
    calls = []
    for number, pupil in enumerate(absent):
        links = sorted(contacts.get(pupil.pk, []), key=lambda link: link.priority)
        if not links or number % 2:
            continue
        unreached = example and number == 0
        for minutes, link in enumerate(links if unreached else links[:1]):
            calls.append(
                ParentCall(
                    school=school,
                    pupil=pupil,
                    contact=link.contact,
                    contact_name=link.contact.name,
                    direction=CallDirection.WE_CALLED,
                    outcome=CallOutcome.NO_ANSWER if unreached else CallOutcome.VOICEMAIL,
                    called_at=_at(today, time(9, 35 + 3 * minutes)),
                    recorded_by_id=office_id,
                )
            )
        if unreached:
            SafeguardingFlag.objects.create(
                school=school,
                pupil=pupil,
                raised_on=today,
                raised_at=_at(today, time(9, 45)),
                raised_by_id=office_id,
            )
    ParentCall.objects.bulk_create(calls)
