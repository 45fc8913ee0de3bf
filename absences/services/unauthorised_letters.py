"""Letters telling parents that their child's absence was recorded as unauthorised, for the
federations that promise them (HMFA: "parents will be notified in writing if the absences are
unauthorised"; `Federation.unauthorised_absence_letters`).

Each week a task writes, per pupil, one letter listing the sessions recorded as unauthorised
(`G`, `O`, `U`: a reason refused or found wanting; `N` is still being chased, and becomes one of
these when it is settled) that no earlier letter listed. Letters are drawn by the same machinery
as every other (`absences.letters`), stored, shown on the parents' page and e-mailed to the
parents with parental responsibility.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from absences.letters import letter_addresses, letter_pdf, stored_letter_email
from absences.models import UnauthorisedAbsenceLetter, UnauthorisedLetterSession
from absences.selectors.pupils import parents_with_responsibility
from registers.codes import NOT_YET_ESTABLISHED, CountsAs, code_catalogue, codes_counting_as
from registers.lib.stored_files import files_kept_if_committed, pdf_file_save
from registers.models import Channel, Mark, MessageKind, School
from registers.services.outbox import outbox_add


def reported_codes() -> list[str]:
    """The unauthorised codes a letter reports: every one but N, still being chased."""
    return [
        code for code in codes_counting_as(CountsAs.UNAUTHORISED) if code != NOT_YET_ESTABLISHED
    ]


def unauthorised_letters_request(*, school: School, today: date) -> list[int]:
    """One letter per pupil with sessions recorded as unauthorised, up to today, that no
    letter has listed; returns the new letters' ids, each drawn by a task after commit.

    Nothing if the federation has not switched the letters on. A session is claimed by its
    letter under a unique mark, so a second run, or two workers, list no session twice.
    """
    if not school.federation.unauthorised_absence_letters:
        return []
    unlisted = (
        Mark.objects.filter(school=school, date__lte=today, code_id__in=reported_codes())
        .exclude(pk__in=UnauthorisedLetterSession.objects.values("mark_id"))
        .order_by("pupil_id", "date", "session")
        .values_list("pupil_id", "pk")
    )
    by_pupil: dict[int, list[int]] = {}
    for pupil_id, mark_id in unlisted:
        by_pupil.setdefault(pupil_id, []).append(mark_id)
    created = []
    now = timezone.now()
    for pupil_id, mark_ids in by_pupil.items():
        try:
            with transaction.atomic():
                letter = UnauthorisedAbsenceLetter.objects.create(
                    school=school, pupil_id=pupil_id, requested_at=now
                )
                UnauthorisedLetterSession.objects.bulk_create(
                    UnauthorisedLetterSession(letter=letter, mark_id=mark_id)
                    for mark_id in mark_ids
                )
                addresses = letter_addresses(pupil=letter.pupil)
                outbox_add(
                    kind=MessageKind.UNAUTHORISED_ABSENCE_LETTER,
                    about_id=letter.pk,
                    school=school,
                    channel=Channel.EMAIL if addresses else Channel.POST,
                    description=f"Unauthorised absence letter about {letter.pupil.name}",
                    recipients=", ".join(addresses),
                    now=now,
                )
        except IntegrityError:
            continue  # another run listed these sessions first
        created.append(letter.pk)
    return created


def unauthorised_letter_pdf(*, letter: UnauthorisedAbsenceLetter) -> bytes:
    catalogue = code_catalogue()
    sessions = [
        {"date": row.mark.date, "session": row.mark.session, "code": row.mark.code_id}
        for row in letter.sessions.select_related("mark")
    ]
    for session in sessions:
        session["meaning"] = catalogue[session["code"]].meaning
    return letter_pdf(
        template="letters/unauthorised_absence.html",
        context={
            "school": letter.school,
            "letter_date": timezone.localdate(letter.requested_at),
            "pupil": letter.pupil,
            "parents": parents_with_responsibility(pupil=letter.pupil),
            "sessions": sessions,
        },
    )


def unauthorised_letter_draw(*, letter_id: int) -> UnauthorisedAbsenceLetter:
    """Draw and store the letter once (the row locked, drawn only if missing; a failure leaves
    no file behind)."""
    letter = UnauthorisedAbsenceLetter.objects.only("letter").get(pk=letter_id)
    if letter.letter:
        return letter
    with files_kept_if_committed(letter.letter.storage) as written:
        letter = (
            UnauthorisedAbsenceLetter.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=letter_id)
        )
        if not letter.letter:
            pdf_file_save(
                letter.letter,
                f"unauthorised-absence-{letter.pk}.pdf",
                unauthorised_letter_pdf(letter=letter),
                written,
            )
            letter.drawn_at = timezone.now()
            letter.save(update_fields=["letter", "drawn_at"])
    return letter


def unauthorised_letter_email(*, letter_id: int) -> str | None:
    """E-mail the stored letter to the parents once: under the letter's row lock, marked
    e-mailed in the transaction that sent it (a mail server that refuses leaves it unmarked,
    to be tried again). None when sent, else why not."""
    with transaction.atomic():
        letter = (
            UnauthorisedAbsenceLetter.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=letter_id)
        )
        return stored_letter_email(
            letter,
            emailed="emailed_at",
            stored=letter.letter,
            school=letter.school,
            pupil=letter.pupil,
            subject=f"{letter.school.name}: unauthorised absence for {letter.pupil.name}",
            body=f"Please find attached a letter about {letter.pupil.name}'s absence.",
            filename=f"unauthorised-absence-{letter.pk}.pdf",
        )


def unauthorised_letter_store(*, letter_id: int) -> UnauthorisedAbsenceLetter:
    """Draw and store the letter once, then e-mail it to the parents once."""
    unauthorised_letter_draw(letter_id=letter_id)
    unauthorised_letter_email(letter_id=letter_id)
    return UnauthorisedAbsenceLetter.objects.get(pk=letter_id)
