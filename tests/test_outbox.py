"""The outbox (issue 19, "An outbox"): every message is a row written in the transaction of the
decision that causes it, sent once, tried again with backoff for hours, and shown to the office
when it finally fails, with a button to try again. Letters' PDFs leave nothing half-made.

These run the tasks eagerly against a real SMTP server the test starts (aiosmtpd), or a port
that refuses, or a server that never answers; tests/test_outbox_faults.py stops a real worker
and a real Redis.
"""

import resource
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from absences.models import LeaveRequest
from registers.lib.stored_files import files_kept_if_committed, pdf_file_save
from registers.models import MessageKind, OutboxMessage, OutboxStatus
from registers.selectors.outbox import outbox_oldest_unsent_age
from registers.services.outbox import MAX_ATTEMPTS, outbox_send, outbox_sweep, retry_delay
from tests import test_absences_leave as leave_tests
from tests.outbox_services import SilentServer, SmtpServer, free_port

# The leave tests' people: the head who decides, the pupil, and the parents written to.
head, pupil, parents = leave_tests.head, leave_tests.pupil, leave_tests.parents
_record, _decide = leave_tests._record, leave_tests._decide

pytestmark = pytest.mark.django_db

PARENTS = ["frank@example.org", "maria@example.org"]


def smtp_at(port: int, timeout: int = 2):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=timeout,
    )


def _row(leave: LeaveRequest) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=MessageKind.LEAVE_DECISION_LETTER, about_id=leave.pk)


def test_the_letter_is_promised_with_the_decision_and_not_without_it(
    monday_morning, school, pupil, parents, office, head, django_capture_on_commit_callbacks
):
    # "a row written in the same transaction as the decision that causes it": a decision
    # rolled back leaves no promise and sends nothing.
    leave = _record(school, pupil, office)
    with django_capture_on_commit_callbacks(execute=True) as queued, transaction.atomic():
        _decide(leave, head)
        transaction.set_rollback(True)
    assert queued == [] and not OutboxMessage.objects.exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        _decide(LeaveRequest.objects.get(pk=leave.pk), head)
    row = _row(leave)
    assert (row.school, row.status, row.attempts) == (school, OutboxStatus.SENT, 1)
    assert row.recipients == "maria@example.org, frank@example.org"
    assert sorted(m.to[0] for m in mail.outbox) == PARENTS
    # Sent once: the same task again, and the sweeper, send nothing more.
    assert outbox_send(message_id=row.pk) == OutboxStatus.SENT
    assert outbox_sweep(now=row.created_at + timedelta(days=1)) == 0
    assert len(mail.outbox) == 2


@pytest.mark.pdf
def test_a_refusing_mail_server_is_tried_again_with_backoff_for_hours_then_shown_to_the_office(
    client, monday_morning, school, pupil, parents, office, head, django_capture_on_commit_callbacks
):
    # "a periodic sweeper re-queues any row not sent within a few minutes, with backoff for
    # hours, not seconds; a message that finally fails is shown to the office on its pages
    # (what, to whom, why), with a button to try again."
    smtp = SmtpServer()  # not started: its port refuses connections
    leave = _record(school, pupil, office)
    with smtp_at(smtp.port), django_capture_on_commit_callbacks(execute=True):
        _decide(leave, head)
    row = _row(leave)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.last_error.startswith("ConnectionRefusedError")
    assert row.next_attempt_at == row.created_at + timedelta(minutes=10)
    stored = LeaveRequest.objects.get(pk=leave.pk).letter
    assert stored and Path(stored.path).stat().st_size > 1000  # drawn once, kept

    waits = [row.next_attempt_at - row.created_at]
    with smtp_at(smtp.port):
        while row.status == OutboxStatus.PENDING:
            due = row.next_attempt_at
            with (
                time_machine.travel(due, tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                assert outbox_sweep(now=due - timedelta(seconds=1)) == 0
                assert outbox_sweep() == 1
            row.refresh_from_db()
            if row.status == OutboxStatus.PENDING:
                waits.append(row.next_attempt_at - due)
    assert [w.total_seconds() / 60 for w in waits] == [10, 20, 40, 80, 160, 240, 240]
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert sum(waits, timedelta()) > timedelta(hours=13)
    assert len(list(Path(stored.path).parent.glob(f"leave-{leave.pk}-*"))) == 1

    # The office's page says what, to whom and why, and its home page counts it.
    client.force_login(office)
    home = client.get(reverse("home")).content.decode()
    assert "1 failed" in home
    page = client.get(reverse("school_messages", args=[school.pk])).content.decode()
    failed = page.split('id="failed-heading"')[1].split('id="unsent-heading"')[0]
    assert f"Leave decision letter about {pupil.name}" in failed
    assert "maria@example.org, frank@example.org" in failed
    assert "ConnectionRefusedError" in failed and f"{MAX_ATTEMPTS} attempts" in failed

    # Try again, with the mail server back: sent once.
    smtp.start()
    try:
        with smtp_at(smtp.port), django_capture_on_commit_callbacks(execute=True):
            answer = client.post(reverse("school_message_retry", args=[school.pk, row.pk]))
        assert answer.status_code == 302
        row.refresh_from_db()
        assert row.status == OutboxStatus.SENT
        assert sorted(a for _, rcpt, _ in smtp.received for a in rcpt) == PARENTS
        again = client.post(reverse("school_message_retry", args=[school.pk, row.pk]))
        assert again.status_code == 302 and len(smtp.received) == 2
    finally:
        smtp.stop()
    page = client.get(reverse("school_messages", args=[school.pk])).content.decode()
    assert "No message has failed." in page


@pytest.mark.pdf
def test_a_mail_server_that_never_answers_costs_one_timeout_not_a_worker(
    monday_morning, school, pupil, parents, office, head, django_capture_on_commit_callbacks
):
    # The table: "SMTP accepting but never answering: the letter task hung 300 s and was not
    # retried (EMAIL_TIMEOUT is unset)".
    assert settings.EMAIL_TIMEOUT == 20  # the default, from the environment
    silent = SilentServer()
    leave = _record(school, pupil, office)
    try:
        with smtp_at(silent.port, timeout=1), django_capture_on_commit_callbacks(execute=True):
            started = time.monotonic()
            _decide(leave, head)
            took = time.monotonic() - started
    finally:
        silent.close()
    row = _row(leave)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "timed out" in row.last_error.lower()
    assert took < 15  # drawing the letter, then one second's wait for the server


def test_a_parents_sign_in_link_goes_through_the_outbox_and_the_form_never_waits(
    client, school, django_capture_on_commit_callbacks
):
    # The table: "SMTP refusing connections: ... the parents' link form answered 500".
    with smtp_at(free_port()), django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        answer = client.post(reverse("parent_sign_in_request"), {"email": "nobody@example.org"})
    assert answer.status_code in (200, 302) and time.monotonic() - started < 5
    row = OutboxMessage.objects.get(kind=MessageKind.SIGN_IN_LINK)
    assert row.school is None and "nobody@example.org" not in str(row.payload) + row.recipients


def test_the_oldest_unsent_message_is_what_a_health_check_reads(
    monday_morning, school, pupil, parents, office, head
):
    assert outbox_oldest_unsent_age() is None
    leave = _record(school, pupil, office)
    _decide(leave, head)  # not committed in this test's transaction: never queued
    row = _row(leave)
    assert outbox_oldest_unsent_age(now=row.created_at + timedelta(minutes=20)) == timedelta(
        minutes=20
    )


def test_the_delays_double_from_minutes_to_hours():
    assert [retry_delay(n).total_seconds() / 60 for n in range(9)] == [
        5,
        10,
        20,
        40,
        80,
        160,
        240,
        240,
        240,
    ]


# --- letters' files ----------------------------------------------------------------------------


PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_an_empty_letter_is_refused_and_nothing_is_stored(
    monday_morning, school, pupil, parents, office
):
    # The table: "media disk full: zero-byte PDFs left behind".
    leave = _record(school, pupil, office)
    folder = Path(settings.MEDIA_ROOT) / "letters" / "leave"
    before = _files(folder)
    with (
        pytest.raises(ValueError, match="drawn empty"),
        files_kept_if_committed(leave.letter.storage) as written,
    ):
        pdf_file_save(leave.letter, f"leave-{leave.pk}-x.pdf", b"", written)
    assert _files(folder) == before and not leave.letter


def test_a_rolled_back_transaction_leaves_no_orphan_letter(
    monday_morning, school, pupil, parents, office
):
    # The table: "6 orphan PDFs were left on disk".
    leave = _record(school, pupil, office)
    folder = Path(settings.MEDIA_ROOT) / "letters" / "leave"
    before = _files(folder)
    with pytest.raises(RuntimeError), files_kept_if_committed(leave.letter.storage) as written:
        pdf_file_save(leave.letter, f"leave-{leave.pk}-x.pdf", PDF, written)
        leave.save(update_fields=["letter"])
        assert len(_files(folder)) == len(before) + 1
        raise RuntimeError("the mail server refused, say")
    assert _files(folder) == before


def test_a_full_disk_leaves_no_empty_or_half_written_letter(
    monday_morning, school, pupil, parents, office
):
    # A real limit of the operating system stands in for a full disk: the process may not
    # write a file past 1 kB (RLIMIT_FSIZE), so the write fails part-way, as on a full disk.
    leave = _record(school, pupil, office)
    folder = Path(settings.MEDIA_ROOT) / "letters" / "leave"
    folder.mkdir(parents=True, exist_ok=True)
    before = _files(folder)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
    try:
        with pytest.raises(OSError), files_kept_if_committed(leave.letter.storage) as written:
            pdf_file_save(leave.letter, f"leave-{leave.pk}-x.pdf", PDF, written)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert _files(folder) == before


def test_the_messages_page_asks_a_fixed_number_of_queries(
    client, monday_morning, school, pupil, parents, office, head, django_assert_max_num_queries
):
    # Constant query counts per page, however many messages are listed.
    leave = _record(school, pupil, office)
    _decide(leave, head)  # never queued in this test's transaction: unsent
    row = _row(leave)
    for n in range(20):
        OutboxMessage.objects.create(
            school=school,
            kind=MessageKind.REGISTER_REMINDERS,
            about_id=n,
            key=f"page-{n}",
            description=f"Register reminders {n}",
            status=OutboxStatus.FAILED if n % 2 else OutboxStatus.SENT,
            created_at=row.created_at,
            next_attempt_at=row.created_at,
            sent_at=None if n % 2 else row.created_at,
        )
    client.force_login(office)
    url = reverse("school_messages", args=[school.pk])
    with (
        time_machine.travel(row.created_at + timedelta(minutes=6), tick=False),
        django_assert_max_num_queries(12),
    ):
        page = client.get(url).content.decode()
    unsent = page.split('id="unsent-heading"')[1].split('id="recent-heading"')[0]
    assert f"Leave decision letter about {pupil.name}" in unsent
    assert "Waiting for the background worker" in unsent
    assert page.count("Try again") == 10 and page.count("Register reminders") == 20


def test_half_written_letters_of_a_killed_worker_are_removed_after_a_day(tmp_path):
    # A worker killed mid-write leaves its temporary file; the nightly task removes it once it
    # is a day old, and never a stored letter or a drawing still in progress.
    import os

    from registers.lib.stored_files import abandoned_drawings_remove

    folder = tmp_path / "letters" / "leave" / "2025"
    folder.mkdir(parents=True)
    old, new, letter = (folder / n for n in (".drawing-a.pdf", ".drawing-b.pdf", "leave-1.pdf"))
    for path in (old, new, letter):
        path.write_bytes(PDF)
    now = time.time()
    for path in (old, letter):
        os.utime(path, (now - 2 * 86400, now - 2 * 86400))
    assert abandoned_drawings_remove(root=str(tmp_path), older_than_seconds=86400, now=now) == 1
    assert sorted(p.name for p in folder.iterdir()) == [".drawing-b.pdf", "leave-1.pdf"]
