"""The report pages' tables, from their selectors: the page draws each one and `?format=csv&
table=<name>` downloads the same rows, so every table on these pages has its CSV."""

from django.urls import reverse

from absences.models import LeaveRequest
from registers.codes import LATE_AFTER_CLOSE, LATE_BEFORE_CLOSE, NOT_YET_ESTABLISHED
from registers.models import School
from registers.selectors.statistics import Figures
from reports.exports import Link, Table
from reports.selectors.overviews import SchoolOverview, TeacherOverview
from reports.selectors.profile import PupilProfile
from reports.selectors.pupils import PupilFigures

RATES = ["Pupils", "Possible sessions", "Attendance %", "Authorised absence %",
         "Unauthorised absence %", "Persistent absentees", "Severe absentees"]  # fmt: skip


def _rates(figures: Figures) -> list:
    return [
        figures.pupils,
        figures.possible,
        figures.attendance_pct,
        figures.authorised_pct,
        figures.unauthorised_pct,
        figures.persistent,
        figures.severe,
    ]


def _pupil(school: School, row: PupilFigures) -> Link:
    return Link(row.name, reverse("report_pupil", args=[school.pk, row.pupil_id]))


def _numeric(start: int, count: int) -> frozenset[int]:
    return frozenset(range(start, start + count))


def teacher_tables(*, school: School, overview: TeacherOverview) -> list[Table]:
    def step(row: PupilFigures) -> str:
        pct = row.figures.attendance_pct
        if pct is not None and pct < overview.meeting_pct:
            return f"Below {overview.meeting_pct} %"
        return f"Below {overview.conversation_pct} %"

    return [
        Table(
            name="classes",
            title="Your classes",
            header=[
                "Class",
                "Week: attendance %",
                "Week: unauthorised absence %",
                "Term: attendance %",
                "Term: authorised absence %",
                "Term: unauthorised absence %",
                "Term: persistent absentees",
                "Term: severe absentees",
            ],  # fmt: skip
            rows=[
                [
                    line.group.name,
                    line.week.attendance_pct,
                    line.week.unauthorised_pct,
                    line.term.attendance_pct,
                    line.term.authorised_pct,
                    line.term.unauthorised_pct,
                    line.term.persistent,
                    line.term.severe,
                ]
                for line in overview.classes
            ],
            empty="You have no classes at this school.",
            numeric=_numeric(1, 7),
        ),
        Table(
            name="below",
            title=f"Pupils below {overview.conversation_pct} % this term",
            header=[
                "Pupil",
                "UPN",
                "Class",
                "Possible sessions",
                "Attendance %",
                "Unauthorised sessions",
                "Below",
            ],  # fmt: skip
            rows=[
                [
                    _pupil(school, row),
                    row.upn,
                    row.group,
                    row.figures.possible,
                    row.figures.attendance_pct,
                    row.figures.unauthorised,
                    step(row),
                ]
                for row in overview.below
            ],
            empty=f"No pupil of your classes is below {overview.conversation_pct} % this term.",
            numeric=_numeric(3, 3),
        ),
    ]


def school_tables(*, school: School, overview: SchoolOverview) -> list[Table]:
    def day_row(label: str, figures: Figures) -> list:
        return [
            label,
            figures.possible,
            figures.attended,
            figures.attendance_pct,
            figures.by_code[NOT_YET_ESTABLISHED],
            figures.by_code[LATE_BEFORE_CLOSE],
            figures.by_code[LATE_AFTER_CLOSE],
        ]

    return [
        Table(
            name="today",
            title="Today by class",
            header=[
                "Class",
                "Sessions marked (possible)",
                "Attended",
                "Attendance %",
                "Open N",
                "Late (L)",
                "Late after close (U)",
            ],  # fmt: skip
            rows=[day_row(group.name, figures) for group, figures in overview.today_by_class]
            + [day_row("Whole school", overview.today_figures)],
            numeric=_numeric(1, 6),
        ),
        Table(
            name="persistent",
            title="Persistent and severe absentees this term",
            header=[
                "Pupil",
                "UPN",
                "Class",
                "Year",
                "Possible sessions",
                "Absence %",
                "Unauthorised sessions",
                "Severe",
            ],  # fmt: skip
            rows=[
                [
                    _pupil(school, row),
                    row.upn,
                    row.group,
                    row.year_group,
                    row.figures.possible,
                    row.figures.absence_pct,
                    row.figures.unauthorised,
                    "yes" if row.figures.is_severe else "",
                ]
                for row in overview.persistent
            ],
            empty="No pupil has missed 10 % or more of this term's sessions.",
            numeric=_numeric(4, 3),
        ),
        Table(
            name="cohorts",
            title="Cohorts this term",
            header=[
                "Cohort",
                "Pupils",
                "Attendance %",
                "Gap to all pupils (points)",
                "Unauthorised absence %",
                "Persistent absence %",
                "Severe absence %",
            ],  # fmt: skip
            rows=[
                [
                    cohort.name,
                    cohort.figures.pupils,
                    cohort.figures.attendance_pct,
                    cohort.gap,
                    cohort.figures.unauthorised_pct,
                    cohort.figures.persistent_pct,
                    cohort.figures.severe_pct,
                ]
                for cohort in overview.cohorts
            ],
            numeric=_numeric(1, 6),
        ),
        Table(
            name="cases",
            title="Penalty-notice threshold: open cases",
            header=[
                "Pupil",
                "UPN",
                "First day",
                "Last day",
                "Unauthorised sessions",
                "Opened",
            ],  # fmt: skip
            rows=[
                [
                    Link(case.pupil.name, reverse("threshold_case", args=[school.pk, case.pk])),
                    case.pupil.upn,
                    case.window_start,
                    case.window_end,
                    case.sessions,
                    case.opened_on,
                ]
                for case in overview.cases
            ],
            empty="No open cases.",
            numeric=_numeric(4, 1),
        ),
        Table(
            name="weeks",
            title="Trend by school week this term",
            header=["Week beginning", *RATES],
            rows=[[monday, *_rates(figures)] for monday, figures in overview.weeks],
            numeric=_numeric(1, 7),
        ),
        Table(
            name="classes",
            title="Classes this term",
            header=["Class", *RATES],
            rows=[[group.name, *_rates(figures)] for group, figures in overview.term_by_class],
            numeric=_numeric(1, 7),
        ),
        Table(
            name="year_groups",
            title="Year groups this term",
            header=["Year group", *RATES],
            rows=[[year, *_rates(figures)] for year, figures in overview.term_by_year_group],
            numeric=_numeric(1, 7),
        ),
    ]


def _leave_dates(leave: LeaveRequest) -> str:
    return f"{leave.first_day:%d/%m/%Y} {leave.first_session} - {leave.last_day:%d/%m/%Y} " + (
        leave.last_session
    )


def profile_tables(*, school: School, profile: PupilProfile) -> list[Table]:
    return [
        Table(
            name="terms",
            title=f"Figures by term, {profile.year.label}",
            header=["Term", "Possible sessions", "Attended", "Authorised absence",
                    "Unauthorised absence", "Attendance %", "Persistent absence"],  # fmt: skip
            rows=[
                [
                    label,
                    figures.possible,
                    figures.attended,
                    figures.authorised,
                    figures.unauthorised,
                    figures.attendance_pct,
                    "severe" if figures.is_severe else "yes" if figures.is_persistent else "",
                ]
                for label, figures in [
                    *((term.name, figures) for term, figures in profile.terms),
                    (f"Year {profile.year.label}", profile.year_figures),
                ]
            ],
            numeric=_numeric(1, 5),
        ),
        Table(
            name="sessions",
            title="Sessions",
            header=["Date", "Session", "Code", "Meaning"],
            rows=[
                [cell.day, session, value.code, value.meaning]
                for month in profile.months
                for week in month.weeks
                for cell in week
                if cell is not None
                for session, value in (("AM", cell.am), ("PM", cell.pm))
                if value is not None and value.code
            ],
            empty="No marks this year.",
            shown=False,  # the page draws these as the calendar
        ),
        Table(
            name="amendments",
            title="Amendments",
            header=["Session", "Original code", "New code", "Reason", "When", "By", "Position"],
            rows=[
                [
                    f"{amendment.mark.date:%d/%m/%Y} {amendment.mark.session}",
                    amendment.original_code_id,
                    amendment.new_code_id,
                    amendment.reason,
                    amendment.amended_at.strftime("%d/%m/%Y %H:%M"),
                    amendment.amended_by_name,
                    amendment.amended_by_position,
                ]
                for amendment in profile.amendments
            ],
            empty="No amendments.",
        ),
        Table(
            name="calls",
            title="Calls and messages",
            header=[
                "When",
                "Contact",
                "Direction",
                "Outcome",
                "Reason given",
                "Expected back",
                "Recorded by",
            ],
            rows=[
                [
                    call.called_at.strftime("%d/%m/%Y %H:%M"),
                    call.contact_name,
                    call.get_direction_display(),
                    call.get_outcome_display(),
                    call.reason_given,
                    call.expected_return,
                    "sent automatically" if call.automatic else call.recorded_by_name,
                ]
                for call in profile.calls
            ],
            empty="No calls logged.",
        ),
        Table(
            name="leave",
            title="Leave of absence",
            header=["Sessions", "Category", "Received", "Decision", "Reason for decision"],
            rows=[
                [
                    _leave_dates(leave),
                    leave.get_category_display(),
                    leave.received_on,
                    leave.get_decision_display(),
                    leave.decision_reason,
                ]
                for leave in profile.leave
            ],
            empty="No leave requests.",
        ),
        Table(
            name="cases",
            title="Penalty-notice threshold cases",
            header=["First day", "Last day", "Unauthorised sessions", "Opened", "Route", "Closed"],
            rows=[
                [
                    Link(f"{case.window_start:%d/%m/%Y}",
                         reverse("threshold_case", args=[school.pk, case.pk])),
                    case.window_end,
                    case.sessions,
                    case.opened_on,
                    case.get_route_display(),
                    "yes" if case.closed_at else "",
                ]
                for case in profile.cases
            ],
            empty="No cases.",
        ),
    ]  # fmt: skip
