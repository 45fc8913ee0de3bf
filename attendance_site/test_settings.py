"""Fast, self-contained settings for the test suite; the database still comes from DATABASE_URL."""

import os
import tempfile

os.environ.setdefault("DEBUG", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Letters drawn by tests go to a temporary folder, never into the working tree's var/media.
MEDIA_ROOT = tempfile.mkdtemp(prefix="attendance-test-media-")
# Every test reads the primary, inside its own transaction: the `replica` alias is the primary
# itself (a mirror, so no test database is made for it) and not read. The replica's tests
# (tests/test_replica.py) point it at TEST_REPLICA_DATABASE_URL's standby and turn reads on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPLICA_READS = False


class _UnguardedVariable(str):
    """Any variable a template cannot resolve (an unguarded nullable relation, a typo) fails the
    test that renders it, instead of printing nothing in tests and a 500 in production."""

    def __mod__(self, name: object) -> str:
        raise AssertionError(f"A template asked for {name!r}, which does not resolve.")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = _UnguardedVariable("%s")  # noqa: F405
