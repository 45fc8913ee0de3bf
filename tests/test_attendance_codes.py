"""What every code counts as, exactly as the fact sheet's table (DfE 2024 codes)."""

from datetime import date

import pytest

from registers.codes import CountsAs, code_catalogue, code_problem, counts_as

pytestmark = pytest.mark.django_db

# The fact sheet's table, row by row: group, codes, what they count as.
FACT_SHEET = {
    CountsAs.ATTENDANCE: ["/", "\\", "L", "K", "V", "P", "W", "B"],
    CountsAs.AUTHORISED: ["C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"],
    CountsAs.UNAUTHORISED: ["G", "N", "O", "U"],
    CountsAs.NOT_POSSIBLE: ["Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "D", "X", "Z", "#"],
}
EVERY_2024_CODE = [(kind, code) for kind, codes in FACT_SHEET.items() for code in codes]
WITHDRAWN = ["H", "J", "Y"]


@pytest.mark.parametrize(("kind", "code"), EVERY_2024_CODE)
def test_each_code_counts_as_the_fact_sheet_says(kind, code):
    assert counts_as(code) == kind
    assert code_catalogue()[code].possible_session is (kind != CountsAs.NOT_POSSIBLE)


def test_the_catalogue_is_the_2024_codes_and_the_three_withdrawn_ones():
    assert sorted(code_catalogue()) == sorted([c for _, c in EVERY_2024_CODE] + WITHDRAWN)


def test_every_code_has_a_meaning_for_the_code_picker():
    assert all(entry.meaning for entry in code_catalogue().values())


@pytest.mark.parametrize("code", WITHDRAWN)
def test_withdrawn_codes_are_refused_for_new_entries(code):
    # Fact sheet: withdrawn codes (H, J, plain Y) must be refused for new entries.
    assert "was withdrawn on 19 August 2024" in code_problem(
        code, on=date(2025, 9, 8), session="AM", born=None
    )


@pytest.mark.parametrize("code", WITHDRAWN)
def test_withdrawn_codes_are_accepted_in_history_before_the_2024_regulations(code):
    assert code_problem(code, on=date(2024, 7, 19), session="AM", born=None) is None
    assert code_problem(code, on=date(2024, 8, 19), session="AM", born=None) is not None


def test_present_marks_belong_to_their_session():
    # Fact sheet: "/" present (AM), "\" present (PM).
    assert code_problem("/", on=date(2025, 9, 8), session="AM", born=None) is None
    assert code_problem("\\", on=date(2025, 9, 8), session="PM", born=None) is None
    assert "morning present mark" in code_problem("/", on=date(2025, 9, 8), session="PM", born=None)
    assert "afternoon present mark" in code_problem(
        "\\", on=date(2025, 9, 8), session="AM", born=None
    )


def test_an_unknown_code_is_refused():
    assert (
        code_problem("F", on=date(2025, 9, 8), session="AM", born=None)
        == "'F' is not an attendance code"
    )
