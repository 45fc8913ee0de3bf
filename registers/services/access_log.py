"""The disclosure log: every export and letter download, who took it and when.

Data protection asks a school to be able to say who was given which pupil data. A row names the
download and the object's id (a letter's or a report's), never a pupil's name, so the log itself
discloses nothing more than the ids it points to.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from registers.errors import DomainError
from registers.models import AccessLog, School

WHAT_MAX_LENGTH = AccessLog._meta.get_field("what").max_length


def access_log_record(
    *, user: AbstractBaseUser | None, school: School | None, what: str
) -> AccessLog:
    """Record that `user` downloaded `what` (e.g. "leave decision letter, request 12") now; no
    user for an export a command made on the server."""
    what = what.strip()
    if not what:
        raise DomainError("A download must say what was downloaded.")
    if len(what) > WHAT_MAX_LENGTH:
        raise DomainError(f"What was downloaded must be at most {WHAT_MAX_LENGTH} characters.")
    return AccessLog.objects.create(user=user, school=school, what=what, at=timezone.now())
