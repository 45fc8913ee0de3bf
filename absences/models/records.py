"""The office's follow-up of absence and the head's leave decisions (both policies)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from registers.lib.calendar import SESSIONS, session_order
from registers.models import Contact, Pupil, School
from registers.models.pupils import validate_weekly_sessions

SESSION_CHOICES = [(s, s) for s in SESSIONS]
USER = settings.AUTH_USER_MODEL


class SessionSpan(models.Model):
    """From a first day and session to a last day and session, inclusive."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    first_session = models.CharField(max_length=2, choices=SESSION_CHOICES, default="AM")
    last_day = models.DateField()
    last_session = models.CharField(max_length=2, choices=SESSION_CHOICES, default="PM")

    class Meta:
        abstract = True

    def clean(self) -> None:
        if (
            self.first_day
            and self.last_day
            and (
                session_order(self.last_day, self.last_session)
                < session_order(self.first_day, self.first_session)
            )
        ):
            raise ValidationError("The last day is before the first day.")

    def covers(self, day, session: str) -> bool:
        return (
            session_order(self.first_day, self.first_session)
            <= session_order(day, session)
            <= session_order(self.last_day, self.last_session)
        )


class CallOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left a voicemail"
    UNAVAILABLE = "unavailable", "Number unavailable"
    # Not a call: the first-day absence e-mail (absences.services.first_day), logged here too.
    SENT = "sent", "E-mail sent"


class CallDirection(models.TextChoices):
    WE_CALLED = "we_called", "We called"
    THEY_RANG = "they_rang", "Parent or carer rang"
    # A parent's report on the parents' pages, logged when the office accepts it.
    ONLINE = "online", "Parent reported online"
    # The automatic first-day absence e-mail, and text message (GOV.UK Notify).
    EMAILED = "emailed", "First-day e-mail"
    TEXTED = "texted", "First-day text message"


# What the office logs by hand on the today page: calls, either way.
PHONE_DIRECTIONS = [
    choice
    for choice in CallDirection.choices
    if choice[0] in (CallDirection.WE_CALLED, CallDirection.THEY_RANG)
]
PHONE_OUTCOMES = [choice for choice in CallOutcome.choices if choice[0] != CallOutcome.SENT]


class ParentCall(models.Model):
    """A line of the contact log: a call about a pupil's absence, either way."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="parent_calls")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="parent_calls")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True)
    contact_name = models.CharField(max_length=200, help_text="Who was called or who rang.")
    direction = models.CharField(max_length=10, choices=CallDirection.choices)
    outcome = models.CharField(max_length=12, choices=CallOutcome.choices)
    reason_given = models.CharField(max_length=500, blank=True)
    expected_return = models.DateField(null=True, blank=True)
    called_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the automatic first-day absence e-mail.",
    )

    class Meta:
        ordering = ["-called_at"]
        indexes = [models.Index(fields=["school", "called_at"])]

    def __str__(self) -> str:
        return f"{self.called_at:%d %b %H:%M} {self.summary}"

    @property
    def automatic(self) -> bool:
        """Sent by the system (the first-day absence e-mail), not logged by a person: such a
        row has no `recorded_by`, and every page says so rather than naming someone."""
        return self.recorded_by_id is None

    @property
    def summary(self) -> str:
        """What happened, in the office's words, naming no member of staff."""
        if self.direction == CallDirection.EMAILED:
            return f"First-day e-mail sent to {self.contact_name}"
        if self.direction == CallDirection.TEXTED:
            return f"First-day text message sent to {self.contact_name}"
        return f"{self.get_direction_display()}: {self.contact_name} · {self.get_outcome_display()}"

    @property
    def recorded_by_name(self) -> str | None:
        """Who logged it; None for an automatic message."""
        if self.recorded_by is None:
            return None
        return self.recorded_by.get_full_name() or self.recorded_by.get_username()


class ReportedAbsence(SessionSpan):
    """An absence the office knows of before the register: filled in when it is taken."""

    code = models.ForeignKey(
        "registers.AttendanceCode", on_delete=models.PROTECT, db_column="code", related_name="+"
    )
    reason = models.CharField(max_length=500)
    call = models.ForeignKey(ParentCall, on_delete=models.PROTECT, null=True, blank=True)
    logged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["first_day"]
        indexes = [models.Index(fields=["school", "first_day", "last_day"])]

    def __str__(self) -> str:
        return f"{self.code_id} {self.first_day:%d %b} - {self.last_day:%d %b %Y}: {self.reason}"


class SafeguardingFlag(models.Model):
    """Every contact tried without success: the attendance lead and head follow it up."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="safeguarding_flags")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="safeguarding_flags")
    raised_on = models.DateField()
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school", "raised_on"], name="one_safeguarding_flag_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Safeguarding follow-up raised {self.raised_on:%d %b %Y}"


class EvidenceOutcome(models.TextChoices):
    PENDING = "pending", "Requested, not yet back"
    RECEIVED = "received", "Received"
    NOT_RECEIVED = "not_received", "Not received"


class MedicalEvidenceRequest(SessionSpan):
    """Illness over five school days, or in doubt: evidence asked for (Luston and Shobdon 4.2)."""

    requested_on = models.DateField()
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        max_length=12, choices=EvidenceOutcome.choices, default=EvidenceOutcome.PENDING
    )
    outcome_on = models.DateField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "If not satisfied ... the absence will be recorded as unauthorised and parents will be
    # notified of this in advance": when they were told, before the sessions were recoded O.
    parents_told_on = models.DateField(null=True, blank=True)
    recoded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on"]

    def __str__(self) -> str:
        return (
            f"Medical evidence requested {self.requested_on:%d %b %Y}: {self.get_outcome_display()}"
        )


class LeaveCategory(models.TextChoices):
    # The circumstances of the 2024 regulations, with the code each is recorded under.
    PERFORMANCE = "C1", "Regulated performance or employment abroad (C1)"
    INTERVIEW = "J1", "Interview (J1)"
    STUDY = "S", "Study leave (S)"
    PART_TIME = "C2", "Part-time timetable (C2)"
    EXCEPTIONAL = "C", "Exceptional circumstances (C)"
    HOLIDAY = "holiday", "Holiday"


class LeaveDecision(models.TextChoices):
    PENDING = "pending", "Waiting for the head"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class LeaveSource(models.TextChoices):
    PAPER = "paper", "Written request, recorded by the office"
    ONLINE = "online", "Online, by a parent"


class LeaveRequest(SessionSpan):
    """A parent's written request for leave of absence, and the head's decision on it."""

    category = models.CharField(max_length=10, choices=LeaveCategory.choices)
    reason = models.TextField()
    evidence = models.TextField(blank=True, help_text="What the parent sent in support.")
    received_on = models.DateField()
    # Who asked: leave in exceptional circumstances is granted only on a request made by a
    # parent the pupil normally lives with (2024 regulations, regulation 11). None: not recorded
    # (requests recorded before this was asked).
    requested_by_name = models.CharField(max_length=200, blank=True)
    requester_lives_with_pupil = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    # Online: `recorded_by` is the parent's own account (its `parent_contact`).
    source = models.CharField(max_length=10, choices=LeaveSource.choices, default=LeaveSource.PAPER)
    decision = models.CharField(
        max_length=10, choices=LeaveDecision.choices, default=LeaveDecision.PENDING
    )
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The head may approve fewer days than asked: the approved span, within the requested one.
    approved_first_day = models.DateField(null=True, blank=True)
    approved_first_session = models.CharField(max_length=2, choices=SESSION_CHOICES, blank=True)
    approved_last_day = models.DateField(null=True, blank=True)
    approved_last_session = models.CharField(max_length=2, choices=SESSION_CHOICES, blank=True)
    letter = models.FileField(upload_to="letters/leave/%Y/", blank=True)
    letter_emailed_at = models.DateTimeField(null=True, blank=True)
    taken_anyway_coded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["first_day"]
        indexes = [models.Index(fields=["school", "decision"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.first_day:%d %b} - {self.last_day:%d %b %Y}"

    def api_path(self) -> str:
        """The request's own page in the API, where a refused duplicate points."""
        return reverse("api:leave_request", args=[self.pk])

    @property
    def short_notice(self) -> bool:
        """Less than three weeks' notice (both policies ask for three weeks where possible)."""
        return (self.first_day - self.received_on).days < 21

    @property
    def retrospective(self) -> bool:
        """Received after the leave began: not a request made in advance."""
        return self.received_on > self.first_day


class PartTimeTimetable(models.Model):
    """A temporary, time-limited part-time timetable: the sessions missed are coded C2."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="part_time_timetables"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="part_time_timetables")
    start = models.DateField()
    end = models.DateField(help_text="Required: a part-time timetable is time-limited.")
    sessions_off = models.JSONField(
        validators=[validate_weekly_sessions],
        help_text='The sessions each week the pupil does not attend, e.g. ["Mon PM", "Fri PM"].',
    )
    reason = models.TextField()
    agreed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField()

    class Meta:
        ordering = ["end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="timetable_ends_after_start",
                violation_error_message="The timetable ends before it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"Part-time timetable {self.start:%d %b} - {self.end:%d %b %Y}"


class TimetableReview(models.Model):
    """A review of a part-time timetable with the pupil and parents (statutory guidance)."""

    timetable = models.ForeignKey(
        PartTimeTimetable, on_delete=models.CASCADE, related_name="reviews"
    )
    due_on = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    held_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"Review due {self.due_on:%d %b %Y}"


class OverdueNFlag(models.Model):
    """An N still on the register more than five school days after its session.

    "Input [the correct code] ... no later than 5 working days after the session(s)" (Luston and
    Shobdon 4.5). The daily task writes one row per mark, ever: the unique mark means a retry or
    a second worker cannot flag the same N twice. The row stays when the N is resolved, as the
    record that it was late.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    # The database keys (mark_id, mark_date) to the partitioned marks (registers/lib/partitions).
    mark = models.OneToOneField(
        "registers.Mark", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    flagged_on = models.DateField()

    class Meta:
        ordering = ["-flagged_on"]
        indexes = [models.Index(fields=["school", "flagged_on"])]

    def __str__(self) -> str:
        return f"N overdue, flagged {self.flagged_on:%d %b %Y}"
