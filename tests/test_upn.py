"""UPN check letters, as the DfE fact sheet describes them (registers/lib/upn.py)."""

import pytest
from django.core.exceptions import ValidationError

from registers.lib.upn import upn_check_letter, upn_problem, validate_upn


@pytest.mark.parametrize("upn", ["H801200001001", "G80120000101A"])
def test_the_fact_sheets_examples_are_valid(upn):
    # Fact sheet: "H801200001001 and G80120000101A are valid examples".
    assert upn_problem(upn) is None


def test_a_temporary_upn_weights_its_final_letter_by_its_place_in_the_alphabet():
    # Fact sheet: "a final letter counts as its index in the alphabet" ABCDEFGHJKLMNPQRTUVWXYZ.
    assert upn_check_letter("80120000101A") == "G"
    assert upn_check_letter("80120000101B") != "G"


def test_a_wrong_check_letter_is_refused_with_the_expected_letter():
    assert upn_problem("A801200001001") == "the check letter does not match (expected H)"


@pytest.mark.parametrize(
    ("upn", "problem"),
    [
        ("H80120000100", "a UPN has 13 characters, this one has 12"),
        ("H8012000010011", "a UPN has 13 characters, this one has 14"),
        ("H8012X0001001", "characters 2 to 12 of a UPN must be digits"),
        (
            "H80120000100I",
            "the last character of a UPN must be a digit or a letter other than I, O or S",
        ),
        ("h801200001001", "the check letter does not match (expected H)"),
    ],
)
def test_malformed_upns_say_what_is_wrong(upn, problem):
    assert upn_problem(upn) == problem


def test_the_validator_raises_a_message_staff_can_act_on():
    with pytest.raises(ValidationError, match="Invalid UPN: the check letter does not match"):
        validate_upn("B801200001001")
