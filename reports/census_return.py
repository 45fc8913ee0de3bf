"""The school census's attendance return, as XML with the census's element names, beside the
census-style CSV (reports/exports.py).

The census collects absence one term in arrears, by its own dates rather than the school's
terms (the DfE's absence methodology, dfe-analytical-services/explore-education-statistics,
"School census pupil absence collection schedule"): the spring census the autumn term (1 August
to 31 December), the summer census the spring term (1 January to Easter Sunday), and the
autumn census the summer term's two halves separately (Easter Monday to the Sunday before the
spring bank holiday; the spring bank holiday to 31 July) with the whole year. A school term is
the census term its middle day falls in.

For each pupil with a possible session in a period and of the census's age for attendance (4
to 15 on 31 August before the school year: a census return carries no attendance for younger or
older pupils, as a MIS's census export checks, EvgeniiTrofimov/aspenProject SchoolCensus,
validation 2470), per period:

    <Attendance>
      <TermlyAttendance>            (SummerHalfTerm2Attendance, AnnualAttendance alike)
        <SessionsPossible/>
        <SessionDetails>
          <SessionDetail><AttendanceReason/><AbsenceSessions/></SessionDetail>  each absence
        </SessionDetails>                                     reason with sessions, by code
        <SessionsAuthorised/>
        <SessionsUnauthorised/>
      </TermlyAttendance>
    </Attendance>

(CBDS items 100228 SessionsPossible, 100481 AttendanceReason, 100233 AbsenceSessions, 100230
SessionsAuthorised, 100231 SessionsUnauthorised.) The pupil's identifiers come first, as the
census's `PupilIdentifiers`. A period where the pupil had no possible session is left out, and
a pupil with none in any period. The header is this project's: which census, which school, which
dates.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from registers.codes import is_absence
from registers.lib.calendar import academic_year_start, easter_sunday, spring_bank_holiday
from registers.lib.statistics_population import born_aged_on_31_august
from registers.models import Pupil, School, Term
from registers.selectors.statistics import Figures, figures_by
from reports.exports import census_codes

YOUNGEST, OLDEST = 4, 15  # on 31 August before the school year

TERMLY = "TermlyAttendance"
SUMMER_HALF_TERM_2 = "SummerHalfTerm2Attendance"
ANNUAL = "AnnualAttendance"


@dataclass(frozen=True)
class CensusPeriods:
    census: str  # the census collecting them: "SPR", "SUM" or "AUT"
    year: int  # the census's calendar year
    school_year: int  # the school year the periods are in (its first calendar year)
    periods: tuple[tuple[str, date, date], ...]  # (element, first day, last day)


def census_periods(*, term: Term) -> CensusPeriods:
    """The census dates of the school term: the census term its middle day falls in."""
    middle = term.start + (term.end - term.start) / 2
    school_year = academic_year_start(middle)
    if middle.month >= 8:
        return CensusPeriods(
            "SPR",
            school_year + 1,
            school_year,
            ((TERMLY, date(school_year, 8, 1), date(school_year, 12, 31)),),
        )
    easter = easter_sunday(middle.year)
    if middle <= easter:
        return CensusPeriods(
            "SUM", middle.year, school_year, ((TERMLY, date(middle.year, 1, 1), easter),)
        )
    split = spring_bank_holiday(middle.year)
    return CensusPeriods(
        "AUT",
        middle.year,
        school_year,
        (
            (TERMLY, easter + timedelta(days=1), split - timedelta(days=1)),
            (SUMMER_HALF_TERM_2, split, date(middle.year, 7, 31)),
            (ANNUAL, date(school_year, 8, 1), date(middle.year, 7, 31)),
        ),
    )


def census_xml(*, school: School, term: Term) -> bytes:
    """The return for the census collecting `term`'s attendance (a query a period, and one for
    the pupils)."""
    census = census_periods(term=term)
    of_age = Pupil.objects.filter(
        date_of_birth__range=born_aged_on_31_august(
            school_year=census.school_year, youngest=YOUNGEST, oldest=OLDEST
        )
    ).values("pk")
    by_period = {
        element: {
            pupil_id: figures
            for pupil_id, figures in figures_by(
                school_ids=[school.pk], start=start, end=end, by="pupil", pupil_ids=of_age
            ).items()
            if figures.possible
        }
        for element, start, end in census.periods
    }
    pupil_ids = set().union(*by_period.values())
    pupils = Pupil.objects.filter(pk__in=pupil_ids).order_by("upn")

    root = Element("SchoolCensusAttendance")
    header = SubElement(root, "Header")
    _text(header, "Census", census.census)
    _text(header, "Year", census.year)
    _text(header, "LEA", school.la_code)
    _text(header, "Estab", school.estab)
    _text(header, "URN", school.urn)
    _text(header, "SchoolName", school.name)
    periods = SubElement(header, "Periods")
    for element, start, end in census.periods:
        period = SubElement(periods, element)
        _text(period, "StartDate", start.isoformat())
        _text(period, "EndDate", end.isoformat())
    listed = SubElement(root, "Pupils")
    for pupil in pupils:
        entry = SubElement(listed, "Pupil")
        identifiers = SubElement(entry, "PupilIdentifiers")
        _text(identifiers, "UPN", pupil.upn)
        _text(identifiers, "Surname", pupil.legal_surname)
        _text(identifiers, "Forename", pupil.legal_forename)
        _text(identifiers, "DOB", pupil.date_of_birth.isoformat())
        if pupil.sex:
            _text(identifiers, "Sex", pupil.sex)
        attendance = SubElement(entry, "Attendance")
        for element, _start, _end in census.periods:
            figures = by_period[element].get(pupil.pk)
            if figures is not None:
                _period(SubElement(attendance, element), figures)
    indent(root)
    buffer = BytesIO()
    ElementTree(root).write(buffer, encoding="UTF-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def _text(parent: Element, tag: str, text: object) -> None:
    SubElement(parent, tag).text = str(text)


def _period(element: Element, figures: Figures) -> None:
    _text(element, "SessionsPossible", figures.possible)
    reasons = [
        (code, figures.by_code[code])
        for code in census_codes()
        if figures.by_code[code] and is_absence(code)
    ]
    if reasons:
        details = SubElement(element, "SessionDetails")
        for code, sessions in reasons:
            detail = SubElement(details, "SessionDetail")
            _text(detail, "AttendanceReason", code)
            _text(detail, "AbsenceSessions", sessions)
    _text(element, "SessionsAuthorised", figures.authorised)
    _text(element, "SessionsUnauthorised", figures.unauthorised)
