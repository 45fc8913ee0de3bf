"""The Common Transfer File's own spellings, read and written: its version numbers, the string
of session marks, and the CBDS codes for contacts' relationships and pupils' sex.

Plain functions, no database: `registers.imports.ctf_parse` reads a file with them and
`reports.ctf_export` writes one, so a file this project writes is read back the same way.

Where each layout comes from:
- Versions: the DfE's own writers name a CTF after the school year it is for, the year's last
  two digits and ".0" (the Multiplication Tables Check, DFEAGILEDEVOPS/MTC
  admin/services/ctf/ctf.service.js `getCtfVersion`: 2026/27 is "26.0"); older files and
  suppliers write "24" or "25".
- The session marks (CBDS item 100482, at most 999 characters) run from AttendanceStartDate,
  two sessions a day, AM then PM, every day ('#' no session that day, '-' no mark). Up to
  CTF 23 each session is one character. The 2024 regulations added codes of two characters
  (C1, C2, J1, Y1-Y7); from CTF 24 the string is the sessions' codes separated by commas, "a
  comma-separated string of attendance codes based on the new CTF specification ... [which]
  accommodates both one and two-character codes, aligning with the CTF 24 Specification"
  (Bromcom's notes for partners, "API changes for Partner Applications (Attendance Data
  Entities)", 2024). A string with a comma is read that way; one without is one character per
  session, as every earlier file.
- Relationships: CBDS D00032 "Relationship" and D00033 "Relationship v2.0"; sex: M or F (CTF 25
  `Sex`, `Gender` before it).
"""

NOT_A_SESSION = "#"
NO_MARK = "-"
MARKS_SEPARATOR = ","
MAX_MARKS_LENGTH = 999  # CBDS item 100482

OLDEST_VERSION = 23
# The newest version whose files this project has been checked against: the DfE's writers'
# "26.0" for 2026/27. A newer file is still read (the elements read here have not changed since
# CTF 12), with a warning.
NEWEST_KNOWN_VERSION = 26

# CBDS D00032 and D00033, in the words staff use.
RELATIONSHIPS = {
    "PAM": "Mother",
    "PAF": "Father",
    "STM": "Stepmother",
    "STF": "Stepfather",
    "STP": "Step-parent",
    "FOM": "Foster mother",
    "FOF": "Foster father",
    "FOS": "Foster parent",
    "CAR": "Carer",
    "FAM": "Other family member",
    "REL": "Other relative",
    "CHM": "Childminder",
    "DOC": "Doctor",
    "SWR": "Social worker",
    "HTC": "Head teacher",
    "TCH": "Teacher",
    "RLG": "Religious or spiritual contact",
    "OTH": "Other contact",
}
OTHER_CONTACT = "OTH"
_CODE_OF_RELATIONSHIP = {label.casefold(): code for code, label in RELATIONSHIPS.items()}

SEXES = {"M": "Male", "F": "Female"}


class UnreadableMarks(ValueError):
    """A marks string that cannot be split into sessions from the session `index` (from 0) on."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def ctf_version(text: str) -> int:
    """The version's number: "26.0", "25" and "24.1" are 26, 25 and 24; ValueError otherwise."""
    major = text.strip().split(".", 1)[0]
    if not major.isdigit():
        raise ValueError(f"'{text[:10]}' is not a CTF version")
    return int(major)


def version_for(academic_year_start: int) -> str:
    """The version a file for the school year starting in that year carries, as the DfE's own
    writers spell it: 2026 (2026/27) is "26.0"."""
    return f"{academic_year_start % 100:02d}.0"


def read_marks(text: str) -> list[str]:
    """The string's codes, one per session from AttendanceStartDate's morning.

    Raises UnreadableMarks where the string cannot be split: a comma with no code before it, or
    a two-character code written without commas (its letter would be read as one session's
    code and its digit as the next's: "'2' is not an attendance code" helps nobody).
    """
    if MARKS_SEPARATOR in text:
        codes = text.split(MARKS_SEPARATOR)
        for index, code in enumerate(codes):
            if not code:
                raise UnreadableMarks(
                    index,
                    f"no code between two commas (write '{NO_MARK}' for a session without a mark)",
                )
        return codes
    for index, (first, second) in enumerate(zip(text, text[1:], strict=False)):
        if first.isalpha() and second.isdigit():
            raise UnreadableMarks(
                index,
                f"'{first}{second}' is a two-character code in a string without commas; from "
                "CTF 24 the sessions' codes are separated by commas",
            )
    return list(text)


def write_marks(codes: list[str]) -> list[tuple[int, str]]:
    """The sessions' codes (AM and PM of each day from the first, so an even number) as CTF 24
    onwards writes them, separated by commas: as (the first day's offset, the string) pairs of
    at most 999 characters each (CBDS item 100482), cut between days, since a string always
    starts with a morning. A school year is about 1,300 characters: two strings."""
    if len(codes) % 2:
        raise ValueError("The marks of whole days are written: an AM and a PM code for each.")
    strings: list[tuple[int, str]] = []
    first_day, current = 0, ""
    for day in range(len(codes) // 2):
        pair = MARKS_SEPARATOR.join(codes[2 * day : 2 * day + 2])
        if current and len(current) + 1 + len(pair) > MAX_MARKS_LENGTH:
            strings.append((first_day, current))
            first_day, current = day, ""
        current = f"{current}{MARKS_SEPARATOR}{pair}" if current else pair
    if current:
        strings.append((first_day, current))
    return strings


def relationship_label(code: str) -> str | None:
    """The CBDS relationship code in words, or None for a code of neither code set."""
    return RELATIONSHIPS.get(code.strip().upper())


def relationship_code(label: str) -> str:
    """The CBDS code for a relationship as the school records it; "OTH" (other contact) for
    words that are none of the code sets' (the school's own, typed by hand)."""
    return _CODE_OF_RELATIONSHIP.get(label.strip().casefold(), OTHER_CONTACT)
