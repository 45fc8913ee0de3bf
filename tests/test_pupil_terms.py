"""The term totals: each pupil's marks counted by term, kept equal to the marks by the triggers
that keep the pupil weeks, and the figures read from them equal to the figures of the marks.

Issue #23: the federation overview and any figure for a whole term add up `PupilTerm` (one row
per pupil and term) instead of pupil weeks or marks, reading marks only where a period cuts a
week; a total that drifted from the marks (a mark amended or deleted, a term's dates edited)
would be a wrong figure on a governors' paper. Run on PostgreSQL (statement triggers) and on
the embedded SQLite (row triggers) alike.
"""

import random
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F

from registers.codes import code_catalogue
from registers.models import Mark, PupilTerm, Term
from registers.selectors.statistics import (
    figures_by,
    figures_by_cohort_and_year_group,
    figures_by_population,
    figures_for,
    figures_of_terms,
)
from reports.selectors.dashboards import federation_overview
from tests.factories import EnrolmentFactory, MarkFactory, PupilFactory, TermFactory

pytestmark = pytest.mark.django_db

# The fixtures' schools have the autumn term, 3 September to 19 December 2025.
FIRST_DAY = date(2025, 8, 25)  # a week of the summer holiday before it
LAST_DAY = date(2026, 4, 10)  # into the spring holiday after the spring term
DAYS = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
CODES = ["/", "/", "/", "/", "L", "U", "N", "O", "I", "M", "G", "P", "B", "C", "X", "D", "#"]
KEYS = ("school", "pupil", "year_group", "cohort")


def counted_from_marks() -> dict[tuple, tuple[int, int, int, int]]:
    """What the term totals must be: the marks counted in Python, by pupil, school and every
    term of the school containing the mark's date."""
    catalogue = code_catalogue()
    terms = list(Term.objects.values_list("id", "school_id", "start", "end"))
    counts: dict[tuple, Counter] = {}
    for pupil_id, school_id, day, code in Mark.objects.values_list(
        "pupil_id", "school_id", "date", "code_id"
    ):
        for term_id, term_school, start, end in terms:
            if term_school == school_id and start <= day <= end:
                key = (pupil_id, school_id, term_id)
                counts.setdefault(key, Counter())[catalogue[code].counts_as] += 1
    return {
        key: (c["attendance"], c["authorised"], c["unauthorised"], c["not_possible"])
        for key, c in counts.items()
    }


def term_totals() -> dict[tuple, tuple[int, ...]]:
    return {
        (pupil_id, school_id, term_id): tuple(counts)
        for pupil_id, school_id, term_id, *counts in PupilTerm.objects.values_list(
            "pupil_id",
            "school_id",
            "term_id",
            "attended",
            "authorised",
            "unauthorised",
            "not_possible",
        )
    }


class RandomMarks:
    """Random marks of a few pupils at two schools, written, amended and deleted in every way
    the application and the database allow."""

    def __init__(self, seed: int, schools: list) -> None:
        self.rng = random.Random(seed)
        self.schools = schools
        self.pupils = []
        for number in range(6):
            pupil = PupilFactory(year_group=str(3 + number % 3), fsm=number % 2 == 0)
            EnrolmentFactory(pupil=pupil, school=schools[number % 2], start_date=date(2025, 8, 1))
            self.pupils.append(pupil)

    def mark(self, **values) -> Mark:
        pupil = values.pop("pupil", None) or self.rng.choice(self.pupils)
        day = values.pop("date", None) or self.rng.choice(DAYS)
        return MarkFactory.build(
            pupil=pupil,
            school=self.schools[self.pupils.index(pupil) % 2],
            date=day,
            session=self.rng.choice(["AM", "PM"]),
            code_id=self.rng.choice(CODES),
            **values,
        )

    def write_many(self, count: int) -> None:
        Mark.objects.bulk_create((self.mark() for _ in range(count)), ignore_conflicts=True)

    def step(self) -> str:
        """One random change to the marks or the terms; returns what it was, for a failure."""
        rng = self.rng
        marks = list(Mark.objects.order_by("pk").values_list("pk", flat=True))
        action = rng.choice(
            ["add", "add many", "amend", "amend many", "move", "delete", "delete many", "term"]
        )
        if action == "add":
            mark = self.mark()
            if not Mark.objects.filter(
                pupil=mark.pupil, school=mark.school, date=mark.date, session=mark.session
            ).exists():
                mark.save()
        elif action == "add many":
            self.write_many(rng.randint(2, 40))
        elif action == "amend" and marks:
            mark = Mark.objects.get(pk=rng.choice(marks))
            mark.code_id = rng.choice(CODES)
            mark.save()
        elif action == "amend many":
            Mark.objects.filter(pk__in=rng.sample(marks, min(len(marks), 15))).update(
                code_id=rng.choice(CODES)
            )
        elif action == "move" and marks:
            # A mark's date corrected into another week or term (or a holiday).
            mark = Mark.objects.get(pk=rng.choice(marks))
            day = rng.choice(DAYS)
            if not Mark.objects.filter(
                pupil=mark.pupil, school=mark.school, date=day, session=mark.session
            ).exists():
                mark.date = day
                mark.save()
        elif action == "delete" and marks:
            Mark.objects.filter(pk=rng.choice(marks)).delete()
        elif action == "delete many":
            Mark.objects.filter(pk__in=rng.sample(marks, min(len(marks), 10))).delete()
        elif action == "term":
            action = self.term_change()
        return action

    def term_change(self) -> str:
        """A term made, its dates edited (one by one or several at once), or deleted."""
        rng = self.rng
        school = rng.choice(self.schools)
        terms = list(Term.objects.filter(school=school))
        change = rng.choice(["make", "edit", "edit many", "delete"])
        if change == "make" or not terms:
            start = rng.choice(DAYS)
            TermFactory(
                school=school,
                name=f"Term {Term.objects.count() + 1}",
                start=start,
                end=start + timedelta(days=rng.randint(0, 80)),
                half_term_start=None,
                half_term_end=None,
            )
            return "term made"
        if change == "edit":
            term = rng.choice(terms)
            term.start = term.start + timedelta(days=rng.randint(-10, 10))
            term.end = max(term.start, term.end + timedelta(days=rng.randint(-10, 10)))
            term.half_term_start = term.half_term_end = None
            term.save()
            return "term edited"
        if change == "edit many":
            Term.objects.filter(school=school).update(
                end=F("end") + timedelta(days=rng.randint(0, 5))
            )
            return "terms edited"
        rng.choice(terms).delete()
        return "term deleted"


@pytest.mark.parametrize("seed", range(4))
def test_random_marks_amendments_deletions_and_term_edits_keep_the_totals_equal_to_the_marks(
    school, other_school, seed
):
    # Issue #23: totals kept per pupil and term by the same triggers as the pupil weeks,
    # whatever changes: marks amended or deleted, a term's dates edited.
    marks = RandomMarks(seed, [school, other_school])
    TermFactory(school=school, name="Spring 2026", start=date(2026, 1, 5), end=date(2026, 3, 27))
    marks.write_many(150)
    assert term_totals() == counted_from_marks()
    for _ in range(30):
        done = marks.step()
        assert term_totals() == counted_from_marks(), done
    assert term_totals(), "the test made no totals at all"


def test_a_term_whose_dates_are_edited_is_counted_again_under_its_new_dates(school):
    # Issue #23: a term's dates edited (the office, the config file): its totals recounted.
    pupil = PupilFactory()
    autumn = Term.objects.get(school=school)
    MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 2), code_id="/")  # before it
    MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 3), code_id="N")  # its first day
    assert term_totals() == {(pupil.pk, school.pk, autumn.pk): (0, 0, 1, 0)}

    autumn.start = date(2025, 9, 1)
    autumn.save()
    assert term_totals() == {(pupil.pk, school.pk, autumn.pk): (1, 0, 1, 0)}

    autumn.start = autumn.end = date(2025, 12, 19)
    autumn.save(update_fields=["start", "end"])
    assert term_totals() == {}


def test_rebuild_pupil_weeks_recounts_the_term_totals_too(school, other_school):
    # As after a restore that loaded the marks with the triggers disabled.
    marks = RandomMarks(7, [school, other_school])
    marks.write_many(60)
    expected = counted_from_marks()
    PupilTerm.objects.update(attended=F("attended") + 3)
    PupilTerm.objects.filter(pk__in=PupilTerm.objects.values("pk")[:2]).delete()

    out = StringIO()
    call_command("rebuild_pupil_weeks", stdout=out)

    assert term_totals() == expected
    assert f"{len(expected):,} pupil term totals counted from the marks." in out.getvalue()


def figures_tuple(figures) -> tuple:
    return (
        figures.pupils,
        figures.possible,
        figures.attended,
        figures.authorised,
        figures.unauthorised,
        figures.persistent,
        figures.severe,
    )


def as_tuples(rows: dict) -> dict:
    return {key: figures_tuple(figures) for key, figures in rows.items()}


def random_periods(rng: random.Random, terms: list[Term]) -> list[tuple[date, date]]:
    """Whole terms, terms to a day in them, days to a term's end, spans of several terms and
    holidays, and any dates at all (part weeks at either end)."""
    periods = [(term.start, term.end) for term in terms]
    periods.append((min(t.start for t in terms), max(t.end for t in terms)))
    for term in terms:
        day = term.start + timedelta(days=rng.randint(0, (term.end - term.start).days))
        periods += [(term.start, day), (day, term.end)]
    for _ in range(6):
        first, last = sorted(rng.sample(DAYS, 2))
        periods.append((first, last))
    return periods


@pytest.mark.parametrize("seed", range(3))
def test_figures_from_the_term_totals_are_the_figures_from_the_marks(school, other_school, seed):
    # Issue #23: "any figure for a whole term from totals kept per pupil and term, reading
    # marks only where a period cuts a week": the same answer as every mark counted, for any
    # period, key, pupils and population, whether a term is in progress or over.
    marks = RandomMarks(seed, [school, other_school])
    TermFactory(school=school, name="Spring 2026", start=date(2026, 1, 5), end=date(2026, 3, 27))
    TermFactory(
        school=other_school, name="Spring 2026", start=date(2026, 1, 6), end=date(2026, 3, 31)
    )
    if seed == 2:  # terms that overlap: a day counts in both, each term's figure its own
        TermFactory(
            school=school, name="Summer camp", start=date(2025, 12, 1), end=date(2026, 1, 16)
        )
    marks.write_many(400)
    for _ in range(5):
        marks.step()
    rng = marks.rng
    ids = [school.pk, other_school.pk]
    terms = list(Term.objects.all())
    some = [pupil.pk for pupil in marks.pupils[::2]]
    # Today: while the autumn term runs (days to come have fewer marks), or after them all.
    for today in (date(2025, 11, 12), date(2026, 7, 1)):
        with time_machine.travel(
            datetime(today.year, today.month, today.day, 12, tzinfo=UTC), tick=False
        ):
            for start, end in random_periods(rng, terms):
                for by in KEYS:
                    for pupil_ids in (None, some):
                        from_totals = figures_by(
                            school_ids=ids,
                            start=start,
                            end=end,
                            by=by,
                            codes=False,
                            pupil_ids=pupil_ids,
                            terms=terms,
                        )
                        from_marks = figures_by(
                            school_ids=ids, start=start, end=end, by=by, pupil_ids=pupil_ids
                        )
                        assert as_tuples(from_totals) == as_tuples(from_marks), (
                            today,
                            start,
                            end,
                            by,
                            pupil_ids,
                        )
                for by in (*KEYS, "week"):
                    both = figures_by_population(
                        school_ids=ids, start=start, end=end, by=by, terms=terms
                    )
                    dfe = figures_by(
                        school_ids=ids, start=start, end=end, by=by, dfe_population=True
                    )
                    every = figures_by(school_ids=ids, start=start, end=end, by=by)
                    assert {key: figures_tuple(each.dfe) for key, each in both.items()} == (
                        as_tuples(dfe)
                    ), (today, start, end, by)
                    assert {
                        key: figures_tuple(each.every_pupil) for key, each in both.items()
                    } == as_tuples(every), (today, start, end, by)
                cohorts, year_groups = figures_by_cohort_and_year_group(
                    school_ids=ids, start=start, end=end, terms=terms
                )
                assert cohorts == figures_by_population(
                    school_ids=ids, start=start, end=end, by="cohort", terms=terms
                ), (today, start, end)
                assert as_tuples(year_groups) == as_tuples(
                    figures_by(school_ids=ids, start=start, end=end, by="year_group")
                ), (today, start, end)


def test_a_whole_term_is_read_from_its_totals_in_one_query(
    school, other_school, django_assert_num_queries
):
    # Issue #23: the figure for a whole term adds up the totals, one row per pupil; one
    # statement however many pupils or terms (house style: constant query counts).
    marks = RandomMarks(3, [school, other_school])
    marks.write_many(120)
    terms = list(Term.objects.all())
    autumn = terms[0]
    ids = [school.pk, other_school.pk]
    from_marks = figures_for(school_ids=ids, start=autumn.start, end=autumn.end)
    # A probe, not data: 100 more attended sessions in every total show where the figure was
    # read from (and that nothing was read from the weeks or marks).
    PupilTerm.objects.update(attended=F("attended") + 100)
    totals = PupilTerm.objects.filter(term__in=terms).count()

    with django_assert_num_queries(1):
        from_totals = figures_for(
            school_ids=ids, start=autumn.start, end=autumn.end, codes=False, terms=terms
        )
    without_terms = figures_for(school_ids=ids, start=autumn.start, end=autumn.end, codes=False)

    assert from_totals.attended == from_marks.attended + 100 * totals
    assert figures_tuple(without_terms) == figures_tuple(from_marks)


def test_figures_of_terms_are_each_terms_figures_from_its_marks(school, other_school):
    # Issue #23: the governors' earlier terms, whole, from their totals in one statement.
    marks = RandomMarks(11, [school, other_school])
    TermFactory(school=school, name="Spring 2026", start=date(2026, 1, 5), end=date(2026, 3, 27))
    marks.write_many(300)
    terms = list(Term.objects.all())

    for dfe in (False, True):
        found = figures_of_terms(terms=terms, dfe_population=dfe)
        assert {pk: figures_tuple(each) for pk, each in found.items()} == {
            term.pk: figures_tuple(
                figures_for(
                    school_ids=[term.school_id],
                    start=term.start,
                    end=term.end,
                    dfe_population=dfe,
                )
            )
            for term in terms
        }


def test_the_federation_overview_of_a_term_reads_its_totals(
    school, other_school, django_assert_num_queries
):
    # Issue #23: "the federation overview ... from totals kept per pupil and term"; two
    # queries (the schools' terms in the period, then the figures) however many schools.
    other_school.federation = school.federation
    other_school.save()
    marks = RandomMarks(5, [school, other_school])
    marks.write_many(200)
    autumn = Term.objects.get(school=school)
    schools = [school, other_school]
    before = federation_overview(
        federation=school.federation, schools=schools, start=autumn.start, end=autumn.end
    )
    # The probe: every pupil's autumn total 50 attended sessions more.
    PupilTerm.objects.update(attended=F("attended") + 50)
    pupils = PupilTerm.objects.filter(attended__gt=50).count()

    with django_assert_num_queries(2):
        after = federation_overview(
            federation=school.federation, schools=schools, start=autumn.start, end=autumn.end
        )

    assert before.all_pupils_total.pupils == pupils
    assert before.all_pupils_total.attendance < after.all_pupils_total.attendance


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_register_saved_while_a_term_is_moved_is_counted_once_under_its_new_dates(school):
    # Issue #23: the office moves the autumn term's first day while a teacher saves a register
    # on it. Whichever commits first, the mark counts once, under the term's new dates.
    pupil = PupilFactory()
    autumn = Term.objects.get(school=school)
    barrier = threading.Barrier(2)
    failures = []

    def save_register() -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 2), code_id="/")
                time.sleep(0.3)  # still open when the term is moved
        except Exception as error:  # the outcome under test
            failures.append(error)
        finally:
            connection.close()

    def move_term() -> None:
        try:
            barrier.wait(timeout=10)
            time.sleep(0.1)
            with transaction.atomic():
                Term.objects.filter(pk=autumn.pk).update(start=date(2025, 9, 1))
        except Exception as error:  # the outcome under test
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save_register), threading.Thread(target=move_term)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert term_totals() == {(pupil.pk, school.pk, autumn.pk): (1, 0, 0, 0)}
    assert term_totals() == counted_from_marks()
