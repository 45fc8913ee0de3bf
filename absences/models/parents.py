"""The parents' side of absence: one-time sign-in links, absences parents report online, and
the first-day absence e-mails. Imported by `absences.models` (the app's models module)."""

from django.conf import settings
from django.db import models

from absences.models.records import ParentCall, SessionSpan
from registers.models import Contact, Pupil, School

USER = settings.AUTH_USER_MODEL


class SignInLink(models.Model):
    """A one-time link e-mailed to a contact: only a hash of its token is stored.

    Used once: redeeming it is a conditional UPDATE ... WHERE used_at IS NULL whose row count
    says whether this request was the one that used it.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["contact", "created_at"])]

    def __str__(self) -> str:
        return f"Sign-in link of {self.created_at:%d %b %Y %H:%M}"


class SignInRequest(models.Model):
    """One use of the parents' sign-in form, kept for the limits on how often it may be used
    (per address and per client, in the database so that every worker counts the same).

    The address is kept only until the task that looks it up has handled the request, and the
    row only as long as the limits look back; both are stored as keyed hashes for counting, so
    that neither an address nor a client's IP address is kept in the clear.
    """

    address = models.EmailField(blank=True, help_text="Blank once the request is handled.")
    address_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64)
    requested_at = models.DateTimeField()
    # Over a limit: counted, but nobody looks the address up.
    refused = models.BooleanField(default=False)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["address_hash", "requested_at"]),
            models.Index(fields=["client_hash", "requested_at"]),
            models.Index(fields=["requested_at"]),
        ]

    def __str__(self) -> str:
        return f"Sign-in request of {self.requested_at:%d %b %Y %H:%M}"


class ReportKind(models.TextChoices):
    ILLNESS = "illness", "Illness"
    MEDICAL = "medical", "Medical or dental appointment"
    OTHER = "other", "Other reason"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the office"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Not accepted"


class ParentReport(SessionSpan):
    """An absence a parent reported online: it waits in the office's queue until accepted
    (the register is filled in as if the parent had rung) or rejected with a note."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    appointment_time = models.TimeField(null=True, blank=True)
    details = models.CharField(max_length=500, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    office_note = models.CharField(
        max_length=500, blank=True, help_text="Shown to the parent, with the decision."
    )
    code = models.ForeignKey(
        "registers.AttendanceCode",
        on_delete=models.PROTECT,
        db_column="code",
        null=True,
        blank=True,
        related_name="+",
    )
    call = models.ForeignKey(ParentCall, on_delete=models.PROTECT, null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["pupil", "first_day"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reported {self.submitted_at:%d %b %Y %H:%M}"


class FirstDayMessage(models.Model):
    """The first-day absence e-mail about one pupil on one day.

    The unique (pupil, date) is what makes it once-only: whichever worker inserts the row
    sends; a retry or a second worker's insert fails and sends nothing. `sent_at` is set under
    a row lock when the e-mail has gone, so re-running the sending step sends nothing twice.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)
    call = models.ForeignKey(ParentCall, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "date"], name="one_first_day_message_a_day")
        ]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"First-day e-mail {self.date:%d %b %Y}"
