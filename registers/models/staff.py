from django.conf import settings
from django.db import models

from .schools import School


class Role(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    OFFICE = "office", "Office"
    ATTENDANCE_LEAD = "attendance_lead", "Attendance lead"
    HEAD = "head", "Head"
    GOVERNOR = "governor", "Governor"
    FEDERATION_ADMIN = "federation_admin", "Federation admin"


class Membership(models.Model):
    """A member of staff's place at one school: their role there and their position title.

    The position is printed on every amendment they make (2024 regulations: the name and position
    of the person amending).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    position = models.CharField(max_length=100, help_text="For example 'Year 4 teacher'.")

    class Meta:
        ordering = ["school", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_membership_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.school}"
