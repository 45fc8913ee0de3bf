from django.conf import settings
from django.db import models

from .schools import Federation, School


class AccessLog(models.Model):
    """Who was given which pupil data, and when (data protection: a record of disclosure): every
    export, letter and PDF downloaded, and every read of pupil-level data through the API.

    `what` names the export, letter or API read and the object's id, never a pupil's name;
    `filters` the filter or period asked for; `rows` how many it held. No user: an export made
    by a command on the server (`export_ctf`), by whoever may run it there.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, related_name="+")
    what = models.CharField(max_length=200)
    filters = models.CharField(
        max_length=500,
        blank=True,
        help_text="The filter or period asked for, as name=value pairs; a UPN searched for is "
        "recorded as given, without its value.",
    )
    rows = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many it held: rows of a file or an API page, lines of a register, "
        "1 for a letter or a single record. Blank in entries made before it was counted.",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["school", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%d %b %Y %H:%M} {self.what}"


class RetentionRun(models.Model):
    """One run of the retention job for a federation: what was (or, dry, would be) deleted."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    ran_at = models.DateTimeField()
    dry_run = models.BooleanField()
    cutoff = models.DateField(help_text="Entries for sessions before this day were due to go.")
    counts = models.JSONField(help_text="Rows deleted (or that would be), by kind.")

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "run"
        return f"Retention {kind} {self.ran_at:%d %b %Y}: before {self.cutoff:%d %b %Y}"


class SubmittedForm(models.Model):
    """A form that was sent and did what it asked, by the one-time token it carried.

    The token is drawn into every form that creates something (`{% form_once %}`); the primary
    key is what stops a double click, a resend after "back", or two tabs from creating twice:
    the second request waits on the first's row and then finds it. Kept a few days
    (`submitted_forms_forget`).
    """

    token = models.UUIDField(primary_key=True)
    submitted_at = models.DateTimeField(db_index=True)
    # Where the first submission went on: the second is sent there too.
    redirect_to = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"Form sent {self.submitted_at:%d %b %Y %H:%M}"
