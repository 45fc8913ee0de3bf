"""The CTF's own spellings (registers/lib/ctf_format.py): versions, the session-marks string in
both its layouts, relationship codes. Plain functions: no database."""

import pytest

from registers.lib.ctf_format import (
    MAX_MARKS_LENGTH,
    UnreadableMarks,
    ctf_version,
    read_marks,
    relationship_code,
    relationship_label,
    version_for,
    write_marks,
)


@pytest.mark.parametrize(("text", "number"), [("26.0", 26), ("25", 25), (" 24.1 ", 24)])
def test_a_version_is_its_number_before_the_point(text, number):
    assert ctf_version(text) == number


@pytest.mark.parametrize("text", ["", "v25", "twenty"])
def test_a_version_that_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        ctf_version(text)


def test_a_file_for_2026_27_is_version_26_0_as_the_dfes_writers_spell_it():
    # DFEAGILEDEVOPS/MTC ctf.service.js getCtfVersion: "2023" -> "23.0".
    assert (version_for(2026), version_for(2023)) == ("26.0", "23.0")


def test_a_string_without_commas_is_one_character_per_session():
    # Up to CTF 23 (and the one-character codes since): each character is a session.
    assert read_marks("/\\#-IN") == ["/", "\\", "#", "-", "I", "N"]


def test_a_string_with_commas_is_one_code_per_session():
    # CTF 24 onwards: "a comma-separated string of attendance codes".
    assert read_marks("C2,\\,#,-,Y7,J1") == ["C2", "\\", "#", "-", "Y7", "J1"]


def test_a_two_character_code_without_commas_cannot_be_split():
    with pytest.raises(UnreadableMarks) as raised:
        read_marks("/\\C2/\\")
    assert raised.value.index == 2
    assert "'C2' is a two-character code in a string without commas" in raised.value.message


def test_an_empty_session_between_commas_cannot_be_read():
    with pytest.raises(UnreadableMarks) as raised:
        read_marks("/,\\,,\\")
    assert raised.value.index == 2


def test_written_marks_read_back_the_same_sessions():
    codes = ["/", "\\", "C2", "C2", "#", "#", "-", "-", "Y4", "Y4"]
    [(first_day, text)] = write_marks(codes)
    assert first_day == 0
    assert read_marks(text) == codes


def test_a_long_year_is_written_in_strings_of_at_most_999_characters_cut_between_days():
    # CBDS item 100482 allows 999 characters; every string starts with a morning.
    codes = ["C2", "C2"] * 200  # 200 days, 1,199 characters as one string
    strings = write_marks(codes)

    assert [len(text) <= MAX_MARKS_LENGTH for _, text in strings] == [True, True]
    (first, text_1), (second, text_2) = strings
    assert first == 0 and second == len(read_marks(text_1)) // 2
    assert read_marks(text_1) + read_marks(text_2) == codes


def test_only_whole_days_are_written():
    with pytest.raises(ValueError):
        write_marks(["/"])


def test_relationship_codes_and_words_go_both_ways():
    # CBDS D00032 and D00033; words of the school's own are "other contact" in a CTF.
    assert relationship_label("pam") == "Mother"
    assert relationship_label("XYZ") is None
    assert relationship_code("Mother") == "PAM"
    assert relationship_code(" step-parent ") == "STP"
    assert relationship_code("Grandma") == "OTH"
