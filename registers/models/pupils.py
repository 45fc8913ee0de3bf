from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from registers.lib.calendar import weekly_sessions_problem
from registers.lib.text import validate_one_line_text
from registers.lib.upn import validate_upn
from registers.lib.year_groups import YEAR_GROUP_CHOICES

from .schools import School


def validate_weekly_sessions(value: object) -> None:
    problem = weekly_sessions_problem(value)
    if problem:
        raise ValidationError(problem)


class Pupil(models.Model):
    upn = models.CharField("UPN", max_length=13, unique=True, validators=[validate_upn])
    legal_surname = models.CharField(max_length=100, validators=[validate_one_line_text])
    legal_forename = models.CharField(max_length=100, validators=[validate_one_line_text])
    preferred_surname = models.CharField(
        max_length=100, blank=True, validators=[validate_one_line_text]
    )
    preferred_forename = models.CharField(
        max_length=100, blank=True, validators=[validate_one_line_text]
    )
    date_of_birth = models.DateField()
    year_group = models.CharField(max_length=2, choices=YEAR_GROUP_CHOICES)
    # Cohorts the DfE and both policies ask figures for.
    sen_support = models.BooleanField("SEN support", default=False)
    ehc_plan = models.BooleanField("EHC plan", default=False)
    fsm = models.BooleanField("free school meals / pupil premium", default=False)
    social_worker = models.BooleanField(default=False)
    medical_condition = models.BooleanField("long-term medical condition", default=False)
    contacts = models.ManyToManyField("Contact", through="PupilContact", related_name="pupils")

    class Meta:
        ordering = ["legal_surname", "legal_forename"]
        constraints = [
            # A pupil's SEN provision is one of the two, as in the census.
            models.CheckConstraint(
                condition=~models.Q(sen_support=True, ehc_plan=True),
                name="sen_support_or_ehc_plan_not_both",
                violation_error_message="A pupil with an EHC plan is recorded as 'EHC plan', "
                "not also 'SEN support'.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        forename = self.preferred_forename or self.legal_forename
        surname = self.preferred_surname or self.legal_surname
        return f"{forename} {surname}"


class RegistrationType(models.TextChoices):
    SINGLE = "C", "Single registration"
    MAIN = "M", "Dual registration, main school"
    SUBSIDIARY = "S", "Dual registration, subsidiary school"


class LeavingReason(models.TextChoices):
    # The grounds for deletion from the admission register (2024 regulations, regulation 9).
    OTHER_SCHOOL = "other_school", "Registered at another school"
    HOME_EDUCATION = "home_education", "Educated otherwise than at school"
    MOVED_AWAY = "moved_away", "No longer lives within a reasonable distance"
    PERMANENTLY_EXCLUDED = "permanently_excluded", "Permanently excluded"
    NOT_COMPULSORY_AGE = "not_compulsory_age", "No longer of compulsory school age"
    MEDICAL = "medical", "Medically unfit to attend before leaving age"
    CANNOT_BE_LOCATED = "cannot_be_located", "Cannot be located after reasonable enquiries"
    DIED = "died", "Died"
    OTHER = "other", "Other statutory ground"


class Enrolment(models.Model):
    """A line of the admission register: on roll at a school from its starting day."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    registration_type = models.CharField(
        max_length=1, choices=RegistrationType.choices, default=RegistrationType.SINGLE
    )
    start_date = models.DateField("starting day")
    leaving_date = models.DateField("leaving day", null=True, blank=True)
    leaving_reason = models.CharField(max_length=30, choices=LeavingReason.choices, blank=True)
    destination = models.CharField(
        max_length=200,
        blank=True,
        help_text="The school or place the pupil went to; leave blank only if unknown.",
    )
    # Dual registration: the sessions each week the pupil spends at the other school, which
    # this school's register records as D.
    other_school_sessions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_weekly_sessions],
        help_text="Dual registration only: sessions at the other school each week, e.g. "
        '["Mon PM", "Wed AM"].',
    )

    class Meta:
        ordering = ["school", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(leaving_date__isnull=True)
                | models.Q(leaving_date__gte=models.F("start_date")),
                name="enrolment_leaves_after_starting",
                violation_error_message="The leaving day is before the starting day.",
            ),
        ]
        indexes = [models.Index(fields=["school", "start_date", "leaving_date"])]

    def __str__(self) -> str:
        return f"{self.pupil} at {self.school} from {self.start_date:%d %b %Y}"

    @property
    def possible_child_missing_education(self) -> bool:
        """Left with no known destination: the school must tell the local authority."""
        return self.leaving_date is not None and not self.destination.strip()

    def clean(self) -> None:
        if self.other_school_sessions and self.registration_type == RegistrationType.SINGLE:
            raise ValidationError(
                "Sessions at another school are for a dual-registered pupil: choose dual "
                "registration, or leave them empty."
            )
        if self.leaving_date and not self.leaving_reason:
            raise ValidationError("Give the reason the pupil left (a statutory ground).")
        if self.leaving_reason and not self.leaving_date:
            raise ValidationError("A leaving reason needs a leaving day.")


class RegistrationGroup(models.Model):
    """A class or tutor group whose register a teacher takes."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=60)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="registration_groups"
    )

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="group_name_unique_per_school"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(
        RegistrationGroup, on_delete=models.PROTECT, related_name="memberships"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="group_memberships")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["group", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
                violation_error_message="The membership ends before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.group}"


class Contact(models.Model):
    """A parent or carer; one person may be the contact of several pupils (siblings)."""

    name = models.CharField(max_length=200, validators=[validate_one_line_text])
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Set the first time the contact signs in to the parents' pages with a one-time link.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parent_contact",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PupilContact(models.Model):
    """How a contact relates to one pupil: parental responsibility is per child, not per adult."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="pupil_contacts")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="pupil_contacts")
    relationship = models.CharField(max_length=60)
    parental_responsibility = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(help_text="1 is called first.")

    class Meta:
        ordering = ["pupil", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "priority"], name="one_contact_per_priority"),
            models.UniqueConstraint(
                fields=["pupil", "contact"], name="contact_listed_once_per_pupil"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}. {self.contact} ({self.relationship})"
