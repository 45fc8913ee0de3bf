"""The second step of signing in: a time-based one-time code (TOTP) from an authenticator app,
kept by django-otp.

Who must: `registers.permissions.SECOND_FACTOR_ROLES` at any school, and the admin site's users.
Anyone else may set an app up, and is then asked for a code too. Whether a session owes the
second step is decided once, when the password is accepted (`second_step_due`), so that no
request after it asks the database again.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from registers import permissions

APP_NAME = "Authenticator app"


def must_use_second_factor(*, user: User) -> bool:
    """Heads, the office, federation admins and the admin site's users."""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return bool(permissions.roles_anywhere(user=user) & permissions.SECOND_FACTOR_ROLES)


def has_authenticator(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_step_due(*, user: User) -> bool:
    """Whether signing in with a password must be followed by a code: required of the user, or
    chosen by them (an app set up)."""
    return must_use_second_factor(user=user) or has_authenticator(user=user)


def authenticator_for_set_up(*, user: User) -> TOTPDevice:
    """The app being set up: the one shown before (so a reloaded page shows the same code to
    scan), or a new key."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return pending or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def authenticator_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm an app being set up with the first code it shows; False if the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(_digits(code)):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One app per person: any other key shown for setting up is now void.
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        return True


def authenticator_check(*, user: User, code: str) -> TOTPDevice | None:
    """The user's app that shows `code` now, or None. django-otp refuses a code used before and
    slows down repeated wrong ones (its throttling, kept on the device's row)."""
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(_digits(code)):
                return device
    return None


def _digits(code: str) -> str:
    """Codes are typed with spaces ("123 456") or pasted; only the digits count."""
    return "".join(character for character in (code or "") if character in "0123456789")
