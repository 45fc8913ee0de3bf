from datetime import time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from registers.lib.calendar import AM, SESSIONS, TermDates
from registers.lib.year_groups import validate_year_group_list

# The 2024 regulations: every register entry is kept for at least six years.
MINIMUM_RETENTION_YEARS = 6
# The 2024 regulations: a register may stay open for at most 30 minutes.
MAXIMUM_REGISTER_OPEN = timedelta(minutes=30)

SESSION_CHOICES = [(s, s) for s in SESSIONS]

DEFAULT_FIRST_DAY_MESSAGE = (
    "{pupil_forename} was not in school when the register closed this morning and we have not "
    "heard why. Please contact {school} today to tell us the reason for the absence."
)


def _percent(default: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


class PenaltyLimitCounting(models.TextChoices):
    # "A third penalty notice cannot be issued ... within 3 years of the date of issue of the
    # first"; once 3 years have passed since the first, counting starts again.
    FROM_FIRST = "from_first", "Three years from the first notice"
    # Some local codes: no notice if two were issued in the 3 years ending on its date.
    ROLLING = "rolling", "The three years ending on the new notice's date"


class ImprovementPeriodCounting(models.TextChoices):
    CALENDAR_WEEKS = "calendar_weeks", "Calendar weeks (21 to 42 days)"
    # Some local codes: "6 school weeks, a maximum of 30 school days".
    SCHOOL_WEEKS = "school_weeks", "School weeks (15 to 30 school days)"


class Federation(models.Model):
    """A trust or federation of schools; its settings are where the two policies differ."""

    name = models.CharField(max_length=200, unique=True)
    retention_years = models.PositiveSmallIntegerField(
        default=MINIMUM_RETENTION_YEARS,
        validators=[MinValueValidator(MINIMUM_RETENTION_YEARS)],
        help_text="Register entries are kept this long: at least 6 years (2024 regulations).",
    )
    # The intervention ladder (Luston and Shobdon policy, section 6).
    conversation_threshold_pct = _percent("95")
    letter_threshold_pct = _percent("93")
    meeting_threshold_pct = _percent("90")
    # A step fires only on this many possible sessions this school year: on one or two, a
    # first-morning illness in September reads as 0 %, which says nothing about attendance.
    ladder_minimum_sessions = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(400)],
        help_text="A step of the intervention ladder is recorded, and a letter drawn, only for "
        "a pupil with at least this many possible sessions this school year (30: three school "
        "weeks).",
    )
    # Penalty notices: where local authorities' codes of conduct differ (national framework,
    # from 19 August 2024, as the local codes reproduce it).
    penalty_limit_counting = models.CharField(
        max_length=10,
        choices=PenaltyLimitCounting.choices,
        default=PenaltyLimitCounting.FROM_FIRST,
        help_text="How the three years of the two-notice limit are counted.",
    )
    penalty_notice_posting_days = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(10)],
        help_text="A posted penalty notice is deemed received this many working days after "
        "posting; the 21 and 28 days to pay run from then.",
    )
    improvement_period_counting = models.CharField(
        max_length=14,
        choices=ImprovementPeriodCounting.choices,
        default=ImprovementPeriodCounting.CALENDAR_WEEKS,
        help_text="How a notice to improve's 3 to 6 weeks are counted.",
    )
    penalty_evidence_max_age_school_weeks = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(10), MaxValueValidator(52)],
        help_text="A threshold window must end within this many school weeks of the day a case "
        "is opened or a notice decided.",
    )
    # HMFA: "parents will be notified in writing if the absences are unauthorised".
    unauthorised_absence_letters = models.BooleanField(
        default=False,
        help_text="Each week, write to the parents of pupils with sessions newly recorded as "
        "unauthorised (G, O, U).",
    )
    # National benchmarks are figures of a given year, not constants in code.
    benchmark_year = models.CharField(max_length=7, default="2023/24")
    benchmark_overall_absence_pct = _percent("5.5")
    benchmark_authorised_absence_pct = _percent("3.9")
    benchmark_unauthorised_absence_pct = _percent("1.6")
    benchmark_severe_absence_pct = _percent("2.3")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (
            self.conversation_threshold_pct > self.letter_threshold_pct > self.meeting_threshold_pct
        ):
            raise ValidationError(
                "Intervention thresholds must fall step by step: conversation above letter "
                "above meeting (for example 95, 93, 90)."
            )


class FirstDayChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    TEXT = "text", "Text message"
    BOTH = "both", "E-mail and text message"


class School(models.Model):
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="schools")
    urn = models.CharField(
        "URN",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", "A URN is 6 digits.")],
    )
    la_code = models.CharField(
        "local authority number",
        max_length=3,
        validators=[RegexValidator(r"^\d{3}$", "A local authority number is 3 digits.")],
    )
    # The 4 digits after the local authority's in the school's DfE number: with `la_code`, how
    # a Common Transfer File names the school it comes from or is sent to.
    estab = models.CharField(
        "establishment number",
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{4}$", "An establishment number is 4 digits.")],
        help_text="The last 4 digits of the school's DfE number (LAESTAB), e.g. 2001.",
    )
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True, help_text="As printed on letters.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # The missing-register monitor: teachers and the office are reminded when a register is
    # still not taken this many minutes after it opened.
    register_reminder_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Remind when a register is still not taken this many minutes after it opens.",
    )
    # First-day absence messages (both policies: contact parents on the first day).
    first_day_message_enabled = models.BooleanField(
        "send first-day absence e-mails",
        default=False,
        help_text="E-mail a pupil's contacts when the morning register closes with them "
        "marked N and no absence reported.",
    )
    # Most schools reach parents by text (GOV.UK Notify); some by e-mail; some both.
    first_day_message_channel = models.CharField(
        "send first-day absence messages by",
        max_length=10,
        choices=FirstDayChannel.choices,
        default=FirstDayChannel.EMAIL,
        help_text="E-mail, a text message to each parent's phone (GOV.UK Notify), or both.",
    )
    first_day_message_wording = models.TextField(
        blank=True,
        default=DEFAULT_FIRST_DAY_MESSAGE,
        help_text="The e-mail's text. {pupil_forename} and {school} are filled in.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SessionTimes(models.Model):
    """One phase's day: a school has one row, or one per phase (Lord Scudamore has three)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="session_times")
    phase = models.CharField(max_length=60, default="Whole school")
    year_groups = models.JSONField(validators=[validate_year_group_list])
    gates_open = models.TimeField(null=True, blank=True)
    am_start = models.TimeField("AM register opens")
    am_register_closes = models.TimeField("AM register closes")
    pm_register_opens = models.TimeField("PM register opens")
    pm_register_closes = models.TimeField("PM register closes")
    end_of_day = models.TimeField()

    class Meta:
        verbose_name_plural = "session times"
        ordering = ["school", "am_start", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["school", "phase"], name="one_row_per_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.phase}"

    def window(self, session: str) -> tuple[time, time]:
        """When this phase's register for the session opens and closes: the morning's from
        `am_start`, the afternoon's from `pm_register_opens`."""
        if session == AM:
            return self.am_start, self.am_register_closes
        return self.pm_register_opens, self.pm_register_closes

    def clean(self) -> None:
        problems = session_times_problems(
            gates_open=self.gates_open,
            am_start=self.am_start,
            am_register_closes=self.am_register_closes,
            pm_register_opens=self.pm_register_opens,
            pm_register_closes=self.pm_register_closes,
            end_of_day=self.end_of_day,
        )
        if problems:
            raise ValidationError(problems)


def _minutes_between(earlier: time, later: time) -> timedelta:
    return timedelta(hours=later.hour - earlier.hour, minutes=later.minute - earlier.minute)


def session_times_problems(
    *,
    gates_open: time | None,
    am_start: time | None,
    am_register_closes: time | None,
    pm_register_opens: time | None,
    pm_register_closes: time | None,
    end_of_day: time | None,
) -> list[str]:
    """Why a day's times cannot stand: out of order, or a register open longer than allowed."""
    named = [
        ("gates open", gates_open),
        ("AM register opens", am_start),
        ("AM register closes", am_register_closes),
        ("PM register opens", pm_register_opens),
        ("PM register closes", pm_register_closes),
        ("end of day", end_of_day),
    ]
    given = [(name, value) for name, value in named if value is not None]
    problems = [
        f"'{later_name}' ({later:%H:%M}) must be after '{name}' ({value:%H:%M})"
        for (name, value), (later_name, later) in zip(given, given[1:], strict=False)
        if not later > value
        and not (name == "gates open" and later == value)  # gates may open at the bell
    ]
    if problems:
        return problems
    for label, opens, closes in (
        ("AM", am_start, am_register_closes),
        ("PM", pm_register_opens, pm_register_closes),
    ):
        if opens and closes and _minutes_between(opens, closes) > MAXIMUM_REGISTER_OPEN:
            problems.append(
                f"The {label} register is open from {opens:%H:%M} to {closes:%H:%M}; "
                "a register may stay open for at most 30 minutes."
            )
    return problems


class Term(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60, help_text="For example 'Autumn 2025'.")
    start = models.DateField()
    end = models.DateField()
    half_term_start = models.DateField(null=True, blank=True)
    half_term_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["school", "start"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="term_name_unique_per_school"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="term_ends_after_start",
                violation_error_message="The term ends before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%d %b %Y} - {self.end:%d %b %Y})"

    def clean(self) -> None:
        if (self.half_term_start is None) != (self.half_term_end is None):
            raise ValidationError("Give both the first and the last day of half term, or neither.")
        if self.half_term_start and self.half_term_end and self.start and self.end:
            if self.half_term_end < self.half_term_start:
                raise ValidationError("Half term ends before it starts.")
            if not (self.start < self.half_term_start and self.half_term_end < self.end):
                raise ValidationError("Half term must fall inside the term.")

    @property
    def dates(self) -> TermDates:
        return TermDates(self.start, self.end, self.half_term_start, self.half_term_end)


class Closure(models.Model):
    """A planned closure (INSET, bank or polling day) of one session: no school session then."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=SESSION_CHOICES)
    reason = models.CharField(max_length=100)

    class Meta:
        ordering = ["school", "date", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date", "session"], name="one_closure_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y} {self.session}: {self.reason}"


class SchoolDay(models.Model):
    """A day on which a school has at least one session, with its school-week number.

    Derived from the terms and closures by `school_calendar_rebuild` (never edited by hand) and
    kept as a table so that set-based queries (the 10-school-week threshold, possible sessions)
    can join marks to school weeks in the database.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="school_days")
    date = models.DateField()
    am = models.BooleanField()
    pm = models.BooleanField()
    week_start = models.DateField(help_text="The Monday of this day's calendar week.")
    week_number = models.PositiveIntegerField(
        help_text="School weeks numbered 1, 2, 3 ... across terms and years; holidays skipped."
    )

    class Meta:
        ordering = ["school", "date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="one_school_day_per_date"),
        ]
        indexes = [models.Index(fields=["school", "week_number"])]

    def __str__(self) -> str:
        return f"{self.school}: {self.date:%a %d %b %Y} (school week {self.week_number})"
