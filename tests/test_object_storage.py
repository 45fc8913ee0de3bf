"""Letters in an S3-compatible object store (issue 24: "a letter drawn by a worker is
downloadable from another process, downloads stay behind the access check, nothing is public").

The store is moto's standalone server on 127.0.0.1 (tests/s3_server.py); the worker is a
`celery worker` process of its own configured only through the environment, as production is
(STORAGE_BUCKET and friends), and the download is this process's web client. Downloads are
streamed through the site (attendance_site/storage.py says why), so the access check and the
disclosure log run on each one; the object's own address answers nobody without credentials.
"""

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from absences.models import LeaveRequest
from attendance_site.celery import app as celery_app
from registers.lib.stored_files import files_kept_if_committed, pdf_file_save
from registers.models import AccessLog, Role
from tests.conftest import LONDON
from tests.factories import ContactFactory, MembershipFactory, PupilContactFactory, UserFactory
from tests.outbox_services import SmtpServer, Worker, wait_for
from tests.redis_process import RedisProcess
from tests.s3_server import PUBLIC_GRANTEES, S3Server
from tests.test_absences_leave import _decide, _record
from tests.test_celery_worker import _forget_broker_state

pytestmark = [pytest.mark.django_db, pytest.mark.redis_server]

MONDAY_MORNING = datetime(2025, 9, 8, 9, 5, tzinfo=LONDON)


@pytest.fixture
def s3() -> Iterator[S3Server]:
    """The store, and this process's letters kept in it as the environment would say."""
    server = S3Server().start()
    with override_settings(STORAGES=server.storages(settings.STORAGES["staticfiles"])):
        yield server
    server.stop()


def _database_url() -> str:
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(s3, tmp_path) -> Iterator[Worker]:
    """A worker process on a Redis of its own, its letters in the store; this process's Celery
    app sending to that Redis (restored afterwards: the other tests run eagerly)."""
    redis_server = RedisProcess().start()
    smtp = SmtpServer().start()
    process = Worker(
        broker_url=redis_server.url,
        database_url=_database_url(),
        smtp_port=smtp.port,
        # A folder of its own, which this process never reads: a letter written there
        # instead of to the store could not be downloaded.
        media=str(tmp_path / "worker-media"),
    )
    process.env.update(s3.environment())
    changed = {
        "broker_url": redis_server.url,
        "result_backend": redis_server.url,
        "task_always_eager": False,
    }
    saved = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    _forget_broker_state(celery_app)
    try:
        yield process.start()
    finally:
        process.stop()
        smtp.stop()
        redis_server.stop()
        celery_app.conf.update(saved)
        _forget_broker_state(celery_app)


@pytest.fixture
def pupil(pupils_4a):
    return pupils_4a[0]


@pytest.fixture
def parents(pupil):
    mother = ContactFactory(name="Maria Parent", email="maria@example.org")
    PupilContactFactory(pupil=pupil, contact=mother, relationship="Mother", priority=1)
    return [mother]


@pytest.fixture
def head(school):
    user = UserFactory(username="head", first_name="Helen", last_name="Headteacher")
    MembershipFactory(user=user, school=school, role=Role.HEAD, position="Headteacher")
    return user


# transaction: the worker's connection sees only committed data. serialized_rollback: the flush
# afterwards would drop the attendance-code catalogue (migration data).
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.pdf
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_letter_drawn_by_a_worker_process_is_downloaded_through_the_site_and_never_public(
    s3, worker, client, school, pupil, parents, office, head, teacher_4a, head_elsewhere
):
    # Issue 24: "a letter drawn by a worker is downloadable from another process".
    with time_machine.travel(MONDAY_MORNING, tick=False):
        leave = _record(school, pupil, office)
        _decide(leave, head)  # the outbox queues the letter to the worker on commit

    def drawn() -> str:
        return LeaveRequest.objects.get(pk=leave.pk).letter.name or ""

    name = wait_for(drawn, timeout=90, what="the worker to draw the letter")
    assert name.startswith("letters/leave/")
    assert s3.keys() == [name]
    stored = s3.client().get_object(Bucket=s3.bucket, Key=name)["Body"].read()
    assert stored.startswith(b"%PDF-") and len(stored) > 1000
    assert not (worker.env["MEDIA_ROOT"] and _exists_under(worker.env["MEDIA_ROOT"]))

    # Through the site, after the access check, with the download in the disclosure log.
    url = reverse("leave_letter", args=[school.pk, leave.pk])
    client.force_login(office)
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content) == stored
    assert AccessLog.objects.filter(user=office, school=school).count() == 1

    # Behind the same check as ever: a teacher may not (403), another school's head sees
    # nothing (404), and nobody signed out gets further than the sign-in page.
    client.force_login(teacher_4a)
    assert client.get(url).status_code == 403
    client.force_login(head_elsewhere)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302

    # Nothing is public: the object's address refuses a request without credentials, and
    # neither the object nor the bucket grants anything to everyone.
    assert s3.anonymous_get(name) == 403
    object_grants = s3.client().get_object_acl(Bucket=s3.bucket, Key=name)["Grants"]
    bucket_grants = s3.client().get_bucket_acl(Bucket=s3.bucket)["Grants"]
    for grant in object_grants + bucket_grants:
        assert grant["Grantee"].get("URI") not in PUBLIC_GRANTEES
        assert grant["Grantee"]["Type"] == "CanonicalUser"


def _exists_under(folder: str) -> bool:
    from pathlib import Path

    return any(path.is_file() for path in Path(folder).rglob("*"))


PDF = b"%PDF-1.7\n" + b"0" * 200


def test_a_letter_written_in_a_transaction_that_rolls_back_leaves_no_object(s3):
    # Issue 19, carried to the store: a rolled-back transaction leaves no orphan letter.
    leave_letter = LeaveRequest._meta.get_field("letter")
    leave = LeaveRequest(pk=1)
    field = leave_letter.attr_class(leave, leave_letter, "")
    with pytest.raises(RuntimeError), files_kept_if_committed(field.storage) as written:
        pdf_file_save(field, "leave-1-approved.pdf", PDF, written)
        assert s3.keys() == [field.name]  # written whole, then taken back
        raise RuntimeError("the transaction fails after the letter was stored")
    assert s3.keys() == []


def test_an_empty_letter_is_never_stored(s3):
    # Issue 19: "a full disk left zero-byte PDFs"; no empty object either.
    leave_letter = LeaveRequest._meta.get_field("letter")
    field = leave_letter.attr_class(LeaveRequest(pk=2), leave_letter, "")
    with (
        pytest.raises(ValueError, match="drawn empty"),
        files_kept_if_committed(field.storage) as written,
    ):
        pdf_file_save(field, "leave-2-approved.pdf", b"", written)
    assert s3.keys() == []


def test_a_committed_letter_stays_and_two_of_one_name_never_overwrite(s3):
    # A second drawing of the same file name gets a new name: a letter already sent to
    # parents is never replaced under them.
    leave_letter = LeaveRequest._meta.get_field("letter")
    names = []
    for _ in range(2):
        field = leave_letter.attr_class(LeaveRequest(pk=3), leave_letter, "")
        with files_kept_if_committed(field.storage) as written:
            pdf_file_save(field, "leave-3-approved.pdf", PDF, written)
        names.append(field.name)
    assert names[0] != names[1]
    assert s3.keys() == sorted(names)
