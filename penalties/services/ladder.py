"""The intervention ladder: recording crossings, requesting letters, drawing them.

The policy (Luston and Shobdon, section 6): below 95% a conversation with the attendance lead;
below 93% an absence letter each half term with a breakdown of the child's attendance; below
90% an invitation to a meeting. The three percentages are the federation's settings.
"""

from collections.abc import Collection
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from absences.letters import (
    letter_addresses_by_pupil,
    letter_pdf,
    stored_letter_email,
)
from absences.selectors.pupils import parents_with_responsibility
from penalties.models import LadderLetter, LadderLetterKind, LadderStep
from penalties.selectors.ladder import (
    LETTER_STEP,
    attendance_this_school_year,
    ladder_letters_due,
    ladder_thresholds,
    pupils_below,
)
from registers.lib.calendar import academic_year_start
from registers.lib.stored_files import files_kept_if_committed, pdf_file_save
from registers.models import Channel, MessageKind, School
from registers.selectors.statistics import Figures
from registers.services.outbox import outbox_add


def _pct(figures: Figures) -> Decimal:
    """The attendance % of a pupil on a step or sent a letter: each has possible sessions (at
    least the federation's `ladder_minimum_sessions`), so it is never unknown."""
    pct = figures.attendance_pct
    assert pct is not None
    return pct


def intervention_ladder_run(*, school: School, as_of: date) -> int:
    """Record each pupil who has fallen below a step since the last run; returns how many
    crossings were recorded.

    1. Each pupil's figures this school year as of `as_of`, from the statistics module (one
       aggregate query for the school); for each step, those strictly below its threshold
       with at least the federation's `ladder_minimum_sessions` possible sessions.
    2. Insert a LadderStep for each; the unique constraint per (school, pupil, step, school
       year) drops those already recorded, so running twice (or two workers) records nothing
       twice. The count is taken before and after, in the same transaction.
    """
    school = School.objects.select_related("federation").get(pk=school.pk)
    year = academic_year_start(as_of)
    attendance = attendance_this_school_year(school=school, as_of=as_of)
    with transaction.atomic():
        before = LadderStep.objects.filter(school=school, academic_year=year).count()
        for step, threshold in ladder_thresholds(school=school).items():
            LadderStep.objects.bulk_create(
                [
                    LadderStep(
                        school=school,
                        pupil_id=pupil_id,
                        step=step,
                        academic_year=year,
                        crossed_on=as_of,
                        attendance_pct=_pct(figures),
                        threshold_pct=threshold,
                        possible=figures.possible,
                        attended=figures.attended,
                    )
                    for pupil_id, figures in pupils_below(
                        attendance=attendance,
                        threshold_pct=threshold,
                        minimum_sessions=school.federation.ladder_minimum_sessions,
                    ).items()
                ],
                ignore_conflicts=True,
            )
        return LadderStep.objects.filter(school=school, academic_year=year).count() - before


def ladder_letters_request(
    *,
    school: School,
    kind: str,
    as_of: date,
    by: User,
    pupil_ids: Collection[int],
    email_parents: bool = False,
) -> int:
    """Request this half term's letters of one kind for the pupils of a preview that are still
    due one (`ladder_letters_due`); returns how many were newly requested. Each is drawn by its
    own task once this commits, and e-mailed only if asked.

    `pupil_ids` are the pupils the preview listed and the person confirmed: nothing is drawn
    that was not shown first, and a pupil shown but no longer due (a letter requested since, a
    mark amended) is left out. The unique constraint per (school, pupil, kind, half term) keeps
    a second batch, or a second click, from requesting any letter twice.
    """
    kind = LadderLetterKind(kind)
    school = School.objects.select_related("federation").get(pk=school.pk)
    if not pupil_ids:
        return 0  # a preview that listed nobody: nothing to draw
    found = ladder_letters_due(school=school, kind=kind, as_of=as_of)
    confirmed = set(pupil_ids)
    due = [row for row in found.due if row.pupil.pk in confirmed]
    now = timezone.now()
    half_term = found.half_term
    with transaction.atomic():
        LadderLetter.objects.bulk_create(
            [
                LadderLetter(
                    school=school,
                    pupil=row.pupil,
                    kind=kind,
                    half_term_start=half_term.first_day,
                    half_term_end=half_term.last_day,
                    period_start=row.first_day,
                    as_of=as_of,
                    possible=row.figures.possible,
                    attended=row.figures.attended,
                    authorised=row.figures.authorised,
                    unauthorised=row.figures.unauthorised,
                    attendance_pct=_pct(row.figures),
                    email_parents=email_parents,
                    requested_by=by,
                    requested_at=now,
                )
                for row in due
            ],
            ignore_conflicts=True,
        )
        # The rows for the pupils found due; should a concurrent batch have inserted one of
        # them first, its letter is queued twice, which is harmless: drawing is idempotent.
        ids = list(
            LadderLetter.objects.filter(
                school=school,
                kind=kind,
                half_term_start=half_term.first_day,
                pupil_id__in=[row.pupil.pk for row in due],
                drawn_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        names = {row.pupil.pk: row.pupil.name for row in due}
        letters = list(
            LadderLetter.objects.filter(pk__in=ids).values_list("pk", "pupil_id", "email_parents")
        )
        addresses = letter_addresses_by_pupil(pupil_ids=[pupil_id for _, pupil_id, _ in letters])
        label = LadderLetterKind(kind).label
        for letter_id, pupil_id, emailed in letters:
            to = addresses[pupil_id] if emailed else []
            outbox_add(
                kind=MessageKind.LADDER_LETTER,
                about_id=letter_id,
                school=school,
                channel=Channel.EMAIL if to else Channel.POST,
                description=f"{label} about {names.get(pupil_id, 'a pupil')}",
                recipients=", ".join(to),
                now=now,
            )
    return len(ids)


TEMPLATES = {
    LadderLetterKind.ABSENCE: "letters/absence_letter.html",
    LadderLetterKind.MEETING: "letters/meeting_invitation.html",
}


def ladder_letter_pdf(*, letter: LadderLetter) -> bytes:
    """The letter as PDF bytes (not saved), dated the day it was requested. It names the
    period and the possible sessions its figures rest on."""
    school = letter.school
    return letter_pdf(
        template=TEMPLATES[LadderLetterKind(letter.kind)],
        context={
            "school": school,
            "letter_date": timezone.localdate(letter.requested_at),
            "letter": letter,
            "pupil": letter.pupil,
            "parents": parents_with_responsibility(pupil=letter.pupil),
            "period_start": letter.period_start,
            "threshold": ladder_thresholds(school=school)[
                LETTER_STEP[LadderLetterKind(letter.kind)]
            ],
        },
    )


def ladder_letter_draw(*, letter_id: int) -> LadderLetter:
    """Draw and store the letter once (the row locked, drawn only if missing; a failure leaves
    no file behind)."""
    letter = LadderLetter.objects.only("letter").get(pk=letter_id)
    if letter.letter:
        return letter
    with files_kept_if_committed(letter.letter.storage) as written:
        letter = (
            LadderLetter.objects.select_for_update(of=("self",))
            .select_related("school__federation", "pupil")
            .get(pk=letter_id)
        )
        if not letter.letter:
            pdf_file_save(
                letter.letter,
                f"{letter.kind}-letter-{letter.pk}.pdf",
                ladder_letter_pdf(letter=letter),
                written,
            )
            letter.drawn_at = timezone.now()
            letter.save(update_fields=["letter", "drawn_at"])
    return letter


def ladder_letter_email(*, letter_id: int) -> str | None:
    """E-mail the stored letter to the parents if asked, once: under the letter's row lock,
    marked e-mailed in the transaction that sent it. None when sent, else why not."""
    with transaction.atomic():
        letter = (
            LadderLetter.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=letter_id)
        )
        if not letter.email_parents:
            return "Not to be e-mailed: print the letter and post it."
        label = LadderLetterKind(letter.kind).label
        return stored_letter_email(
            letter,
            emailed="emailed_at",
            stored=letter.letter,
            school=letter.school,
            pupil=letter.pupil,
            subject=f"{letter.school.name}: {label.lower()} for {letter.pupil.name}",
            body=f"Please find attached a letter about {letter.pupil.name}'s attendance.",
            filename=f"{letter.kind}-letter-{letter.pk}.pdf",
        )


def ladder_letter_store(*, letter_id: int) -> LadderLetter:
    """Draw and store the letter once, then e-mail it to the parents if asked, once."""
    ladder_letter_draw(letter_id=letter_id)
    ladder_letter_email(letter_id=letter_id)
    return LadderLetter.objects.get(pk=letter_id)
