"""Notices to improve: issuing one on a case and drawing its letter."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from absences.letters import (
    letter_addresses,
    letter_pdf,
    long_date,
    stored_letter_email,
)
from absences.selectors.pupils import parents_with_responsibility
from core.errors import DomainError
from penalties.models import NoticeToImprove, ThresholdCase
from penalties.selectors import letter_attendance_periods
from penalties.selectors.evidence import case_evidence_as_it_stands
from penalties.services.penalty_notices import evidence_stands_or_refuse
from registers.lib.calendar import day_label, school_year_start
from registers.lib.stored_files import files_kept_if_committed, pdf_file_save
from registers.models import Channel, ImprovementPeriodCounting, MessageKind, School, SchoolDay
from registers.services.marks import staff_name, staff_position
from registers.services.outbox import outbox_add

# The framework: "a clear timeframe of between 3 and 6 weeks for the improvement period",
# counting its first and last days. Calendar weeks by default; some local codes count school
# weeks ("6 school weeks, a maximum of 30 school days"): 5 school days a school week.
SHORTEST_IMPROVEMENT_WEEKS = 3
LONGEST_IMPROVEMENT_WEEKS = 6
SCHOOL_DAYS_A_WEEK = 5


def improvement_period_problem(*, school: School, start: date, end: date) -> str | None:
    """Why an improvement period from `start` to `end` (both included) is not between 3 and 6
    weeks as the federation counts them, or None."""
    if end < start:
        return "The improvement period ends before it starts."
    if school.federation.improvement_period_counting == ImprovementPeriodCounting.SCHOOL_WEEKS:
        days = SchoolDay.objects.filter(school=school, date__range=(start, end)).count()
        shortest = SHORTEST_IMPROVEMENT_WEEKS * SCHOOL_DAYS_A_WEEK
        longest = LONGEST_IMPROVEMENT_WEEKS * SCHOOL_DAYS_A_WEEK
        if shortest <= days <= longest:
            return None
        return (
            f"The improvement period must be between 3 and 6 school weeks ({shortest} to "
            f"{longest} school days, as your local authority's code counts them); from "
            f"{day_label(start)} to {day_label(end)} is {days} school day(s)."
        )
    days = (end - start).days + 1
    if SHORTEST_IMPROVEMENT_WEEKS * 7 <= days <= LONGEST_IMPROVEMENT_WEEKS * 7:
        return None
    return (
        "The improvement period must be between 3 and 6 weeks (the national framework), "
        f"counting its first and last days; from {day_label(start)} to {day_label(end)} is "
        f"{days // 7} week(s) and {days % 7} day(s)."
    )


def notice_to_improve_issue(
    *,
    case: ThresholdCase,
    improvement_start: date,
    improvement_end: date,
    target_percent: Decimal | int | str,
    sufficient_improvement: str,
    support_so_far: str,
    further_support: str,
    early_notice_grounds: str,
    by: User,
    email_parents: bool = False,
    stale_evidence_reason: str = "",
) -> NoticeToImprove:
    """Issue the case's notice to improve; its letter is drawn by a task once this commits.

    Refused if the evidence no longer meets the threshold (which sessions changed, to what,
    when, by whom), or if its window is older than the federation allows and nobody has
    confirmed why with a reason.
    """
    texts = {
        "what sufficient improvement looks like": sufficient_improvement.strip(),
        "the support provided so far": support_so_far.strip(),
        "the further support on offer": further_support.strip(),
    }
    # Optional: when left empty the letter says nothing of a notice before the period ends.
    early_notice_grounds = early_notice_grounds.strip()
    missing = [label for label, text in texts.items() if not text]
    if missing:
        raise DomainError("The notice must say " + "; ".join(missing) + ".")
    try:
        target = Decimal(str(target_percent))
    except InvalidOperation:
        raise DomainError("The target attendance must be a percentage from 0 to 100.") from None
    if not Decimal(0) <= target <= Decimal(100):
        raise DomainError("The target attendance must be a percentage from 0 to 100.")
    if improvement_start < timezone.localdate():
        raise DomainError("The improvement period cannot start in the past.")
    if problem := improvement_period_problem(
        school=case.school, start=improvement_start, end=improvement_end
    ):
        raise DomainError(problem)
    with transaction.atomic():
        case = ThresholdCase.objects.select_for_update().get(pk=case.pk)
        if case.closed_at is not None:
            raise DomainError("This case is closed: no notice to improve can be issued on it.")
        if NoticeToImprove.objects.filter(case=case).exists():
            raise DomainError("A notice to improve has already been issued on this case.")
        stale_evidence_reason = evidence_stands_or_refuse(
            standing=case_evidence_as_it_stands(case=case, today=timezone.localdate()),
            stale_evidence_reason=stale_evidence_reason,
        )
        notice = NoticeToImprove(
            case=case,
            improvement_start=improvement_start,
            improvement_end=improvement_end,
            target_percent=target,
            sufficient_improvement=texts["what sufficient improvement looks like"],
            support_so_far=texts["the support provided so far"],
            further_support=texts["the further support on offer"],
            early_notice_grounds=early_notice_grounds,
            stale_evidence_reason=stale_evidence_reason,
            issued_by=by,
            issued_at=timezone.now(),
            email_parents=email_parents,
        )
        notice.full_clean()
        notice.save()
        addresses = letter_addresses(pupil=case.pupil) if email_parents else []
        outbox_add(
            kind=MessageKind.NOTICE_TO_IMPROVE,
            about_id=notice.pk,
            school=case.school,
            channel=Channel.EMAIL if addresses else Channel.POST,
            description=f"Notice to improve about {case.pupil.name}",
            recipients=", ".join(addresses),
        )
    return notice


def notice_to_improve_letter(*, notice: NoticeToImprove) -> bytes:
    """The notice to the parents as PDF bytes (not saved), dated the day it was issued."""
    case = notice.case
    issued_on = timezone.localdate(notice.issued_at)
    return letter_pdf(
        template="letters/notice_to_improve.html",
        context={
            "school": case.school,
            "letter_date": issued_on,
            "notice": notice,
            "case": case,
            "pupil": case.pupil,
            "parents": parents_with_responsibility(pupil=case.pupil),
            "evidence": case_evidence_as_it_stands(case=case, today=issued_on).counted,
            "attendance": letter_attendance_periods(
                school=case.school,
                pupil=case.pupil,
                periods=[
                    ("the 10 school weeks of the threshold", case.window_start, case.window_end),
                    (
                        "this school year to date",
                        _first_school_day(case.school, issued_on),
                        issued_on,
                    ),
                ],
            ),
            "period_start": long_date(notice.improvement_start),
            "period_end": long_date(notice.improvement_end),
            "issued_by_name": staff_name(notice.issued_by),
            "issued_by_position": staff_position(user=notice.issued_by, school=case.school),
        },
    )


def _first_school_day(school: School, day: date) -> date:
    """The school's first school day of the school year `day` is in (or its 1 August)."""
    start = school_year_start(day)
    first = SchoolDay.objects.filter(school=school, date__gte=start).order_by("date").first()
    return first.date if first is not None and first.date <= day else start


def notice_to_improve_letter_draw(*, notice_id: int) -> NoticeToImprove:
    """Draw and store the letter once: the row is locked and the letter drawn only if
    missing, so a retry or a second worker draws nothing more (and a failure leaves no file)."""
    notice = NoticeToImprove.objects.only("letter").get(pk=notice_id)
    if notice.letter:
        return notice
    with files_kept_if_committed(notice.letter.storage) as written:
        notice = (
            NoticeToImprove.objects.select_for_update(of=("self",))
            .select_related("case__school", "case__pupil", "issued_by")
            .get(pk=notice_id)
        )
        if not notice.letter:
            pdf_file_save(
                notice.letter,
                f"notice-to-improve-{notice.pk}.pdf",
                notice_to_improve_letter(notice=notice),
                written,
            )
            notice.save(update_fields=["letter"])
    return notice


def notice_to_improve_letter_email(*, notice_id: int) -> str | None:
    """E-mail the stored notice to the parents if asked, once: under the notice's row lock,
    marked e-mailed in the transaction that sent it. None when sent, else why not."""
    with transaction.atomic():
        notice = (
            NoticeToImprove.objects.select_for_update(of=("self",))
            .select_related("case__school", "case__pupil")
            .get(pk=notice_id)
        )
        if not notice.email_parents:
            return "Not to be e-mailed: print the notice and serve it."
        pupil, school = notice.case.pupil, notice.case.school
        return stored_letter_email(
            notice,
            emailed="emailed_at",
            stored=notice.letter,
            school=school,
            pupil=pupil,
            subject=f"{school.name}: notice to improve attendance for {pupil.name}",
            body=f"Please find attached a notice to improve {pupil.name}'s attendance.",
            filename=f"notice-to-improve-{notice.pk}.pdf",
        )


def notice_to_improve_letter_store(*, notice_id: int) -> NoticeToImprove:
    """Draw and store the letter once, then e-mail it if asked, once."""
    notice_to_improve_letter_draw(notice_id=notice_id)
    notice_to_improve_letter_email(notice_id=notice_id)
    return NoticeToImprove.objects.get(pk=notice_id)
