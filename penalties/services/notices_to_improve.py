"""Notices to improve: issuing one on a case and drawing its letter."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from absences.letters import letter_email_to_parents, letter_pdf, long_date
from absences.selectors.pupils import parents_with_responsibility
from penalties.models import NoticeToImprove, ThresholdCase
from penalties.selectors import case_evidence_with_meanings, pupil_attendance_this_school_year
from registers.errors import DomainError
from registers.services.marks import staff_name, staff_position

# The framework: "a clear timeframe of between 3 and 6 weeks for the improvement period".
# Measured from the first day to the last: 3 weeks is a last day 21 days after the first.
SHORTEST_IMPROVEMENT_PERIOD = timedelta(weeks=3)
LONGEST_IMPROVEMENT_PERIOD = timedelta(weeks=6)


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
    by: AbstractBaseUser,
    email_parents: bool = False,
) -> NoticeToImprove:
    """Issue the case's notice to improve; its letter is drawn by a task once this commits."""
    from penalties.tasks import draw_notice_to_improve_letter

    texts = {
        "what sufficient improvement looks like": sufficient_improvement.strip(),
        "the support provided so far": support_so_far.strip(),
        "the further support on offer": further_support.strip(),
        "the grounds for a penalty notice before the period ends": early_notice_grounds.strip(),
    }
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
    length = improvement_end - improvement_start
    if not SHORTEST_IMPROVEMENT_PERIOD <= length <= LONGEST_IMPROVEMENT_PERIOD:
        raise DomainError(
            "The improvement period must be between 3 and 6 weeks (the national framework); "
            f"this one is {length.days // 7} week(s) and {length.days % 7} day(s)."
        )
    with transaction.atomic():
        case = ThresholdCase.objects.select_for_update().get(pk=case.pk)
        if case.closed_at is not None:
            raise DomainError("This case is closed: no notice to improve can be issued on it.")
        if NoticeToImprove.objects.filter(case=case).exists():
            raise DomainError("A notice to improve has already been issued on this case.")
        notice = NoticeToImprove(
            case=case,
            improvement_start=improvement_start,
            improvement_end=improvement_end,
            target_percent=target,
            sufficient_improvement=texts["what sufficient improvement looks like"],
            support_so_far=texts["the support provided so far"],
            further_support=texts["the further support on offer"],
            early_notice_grounds=texts["the grounds for a penalty notice before the period ends"],
            issued_by=by,
            issued_at=timezone.now(),
            email_parents=email_parents,
        )
        notice.full_clean()
        notice.save()
        transaction.on_commit(lambda: draw_notice_to_improve_letter.delay(notice.pk), robust=True)
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
            "evidence": case_evidence_with_meanings(case=case),
            "attendance": pupil_attendance_this_school_year(
                school=case.school, pupil=case.pupil, today=issued_on
            ),
            "period_start": long_date(notice.improvement_start),
            "period_end": long_date(notice.improvement_end),
            "issued_by_name": staff_name(notice.issued_by),
            "issued_by_position": staff_position(user=notice.issued_by, school=case.school),
        },
    )


def notice_to_improve_letter_store(*, notice_id: int) -> NoticeToImprove:
    """Draw and store the letter, once: the row is locked and the letter drawn only if missing,
    so a retry or a second worker draws nothing more."""
    with transaction.atomic():
        notice = (
            NoticeToImprove.objects.select_for_update(of=("self",))
            .select_related("case__school", "case__pupil", "issued_by")
            .get(pk=notice_id)
        )
        if not notice.letter:
            notice.letter.save(
                f"notice-to-improve-{notice.pk}.pdf",
                ContentFile(notice_to_improve_letter(notice=notice)),
                save=False,
            )
            notice.save(update_fields=["letter"])
        if notice.email_parents and notice.emailed_at is None:
            with notice.letter.open("rb") as stored:
                pdf = stored.read()
            pupil, school = notice.case.pupil, notice.case.school
            if letter_email_to_parents(
                school=school,
                pupil=pupil,
                subject=f"{school.name}: notice to improve attendance for {pupil.name}",
                body=f"Please find attached a notice to improve {pupil.name}'s attendance.",
                pdf=pdf,
                filename=f"notice-to-improve-{notice.pk}.pdf",
            ):
                notice.emailed_at = timezone.now()
                notice.save(update_fields=["emailed_at"])
    return notice
