from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from registers.lib.calendar import weekly_sessions_problem
from registers.lib.ctf_format import SEXES
from registers.lib.school_age import compulsory_school_age_problem
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
    # As the Common Transfer File and the census carry it; blank where no file has said.
    sex = models.CharField(max_length=1, choices=list(SEXES.items()), blank=True)
    year_group = models.CharField(max_length=2, choices=YEAR_GROUP_CHOICES)
    # Cohorts the DfE and both policies ask figures for.
    sen_support = models.BooleanField("SEN support", default=False)
    ehc_plan = models.BooleanField("EHC plan", default=False)
    fsm = models.BooleanField("free school meals / pupil premium", default=False)
    social_worker = models.BooleanField(default=False)
    medical_condition = models.BooleanField("long-term medical condition", default=False)
    contacts: "models.ManyToManyField[Contact, PupilContact]" = models.ManyToManyField(
        "Contact", through="PupilContact", related_name="pupils"
    )

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
    """The grounds on which a pupil's name is deleted from the admission register (the School
    Attendance (Pupil Registration) (England) Regulations 2024, regulation 9): 9(1)(a)-(o) for a
    pupil of compulsory school age, 9(3) for any other, each in the school's own words."""

    OTHER_SCHOOL = "9(1)(a)", "Registered at another school"
    NURSERY_NOT_CONTINUING = "9(1)(b)", "Not continuing at the school after its nursery"
    DUAL_REGISTRATION_ENDED = "9(1)(c)", "Dual registered: the other school agreed the deletion"
    ATTENDANCE_ORDER = "9(1)(d)", "School attendance order amended to another school, or revoked"
    HOME_EDUCATION = (
        "9(1)(e)",
        ("Educated otherwise than at school, notified by the parent in writing"),
    )
    MOVED_AWAY = "9(1)(f)", "No longer lives within a reasonable distance of the school"
    NOT_BACK_AFTER_LEAVE = (
        "9(1)(g)",
        ("Not back within 10 school days after leave of absence, and cannot be found"),
    )
    MEDICAL = "9(1)(h)", "Certified unfit to attend before leaving compulsory school age"
    CANNOT_BE_LOCATED = (
        "9(1)(i)",
        ("Absent 20 school days or more and cannot be found after reasonable enquiries"),
    )
    DETAINED = "9(1)(j)", "Detained by a court for four months or more, not expected back"
    DIED = "9(1)(k)", "Has died"
    LEAVING_SCHOOL_AGE = "9(1)(l)", "Leaving compulsory school age and not continuing here"
    BOARDING_FEES = "9(1)(m)", "Boarding fees unpaid"
    LEFT_INDEPENDENT = "9(1)(n)", "Left an independent or non-maintained special school"
    PERMANENTLY_EXCLUDED = "9(1)(o)", "Permanently excluded"
    NOT_COMPULSORY_AGE = "9(3)", "Not of compulsory school age, and no longer attending"
    # Deletions imported before the ground was kept: never chosen for a new one.
    NOT_RECORDED = "not_recorded", "Ground not recorded (imported before grounds were kept)"


# The grounds open to a pupil of compulsory school age on the leaving day (9(1)), and to any
# other pupil (9(3)).
COMPULSORY_AGE_GROUNDS = frozenset(
    value for value in LeavingReason.values if value.startswith("9(1)")
)


def deletion_problem(
    *, pupil: "Pupil | None", leaving_date: date | None, ground: str
) -> str | None:
    """Why a deletion from the admission register on `leaving_date` with `ground` is not one
    regulation 9 allows, or None: a leaving day needs a ground, and the ground must be one for
    a pupil of compulsory school age that day (9(1)) or for one who is not (9(3))."""
    if leaving_date is None:
        return "A ground for deletion goes with a leaving day." if ground else None
    if not ground:
        return "Give the ground for deleting the pupil from the admission register (regulation 9)."
    if ground not in LeavingReason.values or ground == LeavingReason.NOT_RECORDED:
        return f"'{ground}' is not a ground of regulation 9."
    if pupil is None:
        return None
    age_problem = compulsory_school_age_problem(pupil.date_of_birth, leaving_date)
    if age_problem is None and ground not in COMPULSORY_AGE_GROUNDS:
        return (
            "The pupil is of compulsory school age on the leaving day: choose a ground of "
            "regulation 9(1)."
        )
    if age_problem is not None and ground in COMPULSORY_AGE_GROUNDS:
        return f"On the leaving day the pupil is {age_problem}: the ground is regulation 9(3)."
    return None


class Enrolment(models.Model):
    """A line of the admission register: on roll at a school from its starting day."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    registration_type = models.CharField(
        max_length=1, choices=RegistrationType.choices, default=RegistrationType.SINGLE
    )
    start_date = models.DateField("starting day")
    leaving_date = models.DateField("leaving day", null=True, blank=True)
    leaving_reason = models.CharField(
        "ground for deletion", max_length=30, choices=LeavingReason.choices, blank=True
    )
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
        problem = deletion_problem(
            pupil=self.pupil if self.pupil_id else None,
            leaving_date=self.leaving_date,
            ground=self.leaving_reason,
        )
        if problem:
            raise ValidationError({"leaving_reason": problem})


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
