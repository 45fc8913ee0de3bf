"""The termly census-style file and the CSV exports (reports/exports.py)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from registers.lib.csv_files import csv_text
from registers.models import AccessLog, Term
from registers.services.calendar import school_calendar_rebuild
from reports.exports import CENSUS_FIXED, census_codes
from tests.factories import TermFactory
from tests.test_figures import add_marks, pupil_with

pytestmark = pytest.mark.django_db


def census(client, user, school, **params):
    client.force_login(user)
    return client.get(reverse("report_census", args=[school.pk]), params)


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_census_gives_each_pupil_possible_sessions_and_sessions_by_code(
    client, school, attendance_lead
):
    # Rules: "The school census asks, per pupil and term, for possible sessions and sessions
    # missed by reason (code)."
    autumn = Term.objects.get(school=school)
    pupil = pupil_with(school, ["/", "/", "I", "I", "N", "X"])

    response = census(client, attendance_lead, school, term=autumn.pk)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="census-{school.urn}-autumn-2025.csv"'
    )
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == [*CENSUS_FIXED, *(f"code {code}" for code in census_codes())]
    [row] = rows_of(response)
    assert row["upn"] == pupil.upn
    assert row["possible_sessions"] == "5"
    assert (row["code /"], row["code \\"], row["code I"], row["code N"]) == ("1", "1", "2", "1")
    assert row["code X"] == "1"  # seen, though not a possible session
    assert row["code G"] == "0"
    assert AccessLog.objects.filter(
        user=attendance_lead, what=f"census CSV, term {autumn.pk}"
    ).exists()


def test_census_counts_only_the_census_period(client, school, attendance_lead):
    # "per pupil and term": sessions of another term are not in this term's file.
    spring = TermFactory(
        school=school,
        name="Spring 2026",
        start=date(2026, 1, 5),
        end=date(2026, 3, 27),
        half_term_start=date(2026, 2, 16),
        half_term_end=date(2026, 2, 20),
    )
    school_calendar_rebuild(school=school)
    pupil = pupil_with(school, ["N", "N"])
    add_marks(pupil, school, ["I"], first=date(2026, 1, 5))

    [row] = rows_of(census(client, attendance_lead, school, term=spring.pk))

    assert row["possible_sessions"] == "1"
    assert (row["code I"], row["code N"]) == ("1", "0")


def test_a_term_of_another_school_is_not_found(client, school, other_school, attendance_lead):
    other_term = Term.objects.get(school=other_school)

    assert census(client, attendance_lead, school, term=other_term.pk).status_code == 404
    # Issue #21: not an id at all is a 400 (tests/test_odd_input.py).
    assert census(client, attendance_lead, school, term="autumn").status_code == 400
    assert not AccessLog.objects.exists()


def test_a_cell_that_a_spreadsheet_would_run_is_defused():
    # A name starting with "=" must not run as a formula when the CSV is opened.
    assert csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_text("-1") == "'-1"
    assert csv_text(-1) == -1
    assert csv_text(None) == ""
    assert csv_text(date(2025, 9, 8)) == "2025-09-08"


def test_every_csv_the_site_hands_out_is_written_by_the_one_escaping_writer():
    # Issue #21: "every CSV through the one escaping writer" (registers/lib/csv_files.py); the
    # local authority's reports had a writer of their own that escaped nothing.
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    writers = sorted(
        str(path.relative_to(root))
        for app in ("attendance_site", "registers", "absences", "penalties", "reports")
        for path in (root / app).rglob("*.py")
        if "csv.writer(" in path.read_text(encoding="utf-8")
        or "csv.DictWriter(" in path.read_text(encoding="utf-8")
    )
    assert writers == ["registers/lib/csv_files.py"]
