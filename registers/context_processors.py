"""Template context for every page: the register-reminder banner."""

import contextlib

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject


def register_reminders(request: HttpRequest) -> dict:
    """The signed-in teacher's registers reminded today and still not taken (see
    `registers.services.reminders`).

    Lazy, and asked of the database only while the reminder service's cache flag for this
    teacher and day is set, so a page costs no query for the banner unless there may be one;
    once every reminded register is taken the flag is cleared.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"register_reminders": ()}

    def reminders() -> list:
        from registers.selectors.monitor import reminded_registers_for_teacher, reminder_banner_key

        day = timezone.localdate()
        key = reminder_banner_key(user_id=user.pk, day=day)
        try:
            flagged = cache.get(key)
        except Exception:  # the cache is down: ask the database rather than fail the page
            flagged = True
        if not flagged:
            return []
        found = list(reminded_registers_for_teacher(user=user, day=day))
        if not found:
            with contextlib.suppress(Exception):
                cache.delete(key)
        return found

    return {"register_reminders": SimpleLazyObject(reminders)}
