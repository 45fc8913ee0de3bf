"""A client generated from the API's schema writes through the API (issue #20).

"A test in `make test` generates a client with `openapi-python-client` from the schema and,
through it, saves a register, amends a mark, logs a call and records a leave request, and parses
a 409 and a 400." The generator reads `/api/schema/` from a live server (a thread of this test
run, on 127.0.0.1) and writes the client into the test's temporary folder; the test imports it
and drives the four write operations against the same server, signed in by token.
"""

import importlib
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime
from types import ModuleType

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from absences.models import LeaveRequest, ParentCall
from registers.models import Amendment, Mark
from tests.conftest import LONDON, MONDAY

# transaction: the live server's thread sees only committed data. serialized_rollback: the flush
# after a transactional test would drop the attendance-code catalogue (migration data).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "generated_attendance_client"


@pytest.fixture
def generated(live_server, tmp_path, teacher_4a) -> Iterator[ModuleType]:
    """The client package generated from the live server's `/api/schema/`, importable.

    The schema is for signed-in users (issue 21): it is read with a token, as a developer
    generating a client would, and the generator given the file."""
    token = Token.objects.create(user=teacher_4a).key
    request = urllib.request.Request(
        f"{live_server.url}/api/schema/?format=json",
        headers={"Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the live server)
        schema = tmp_path / "schema.json"
        schema.write_bytes(answer.read())
    config = tmp_path / "config.yaml"
    # No formatting hooks: the generated code is imported, not kept.
    config.write_text("post_hooks: []\n", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # The schema generates cleanly: no piece of the client left out.
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_saves_amends_logs_and_records_and_parses_409_and_400(
    generated, live_server, school, teacher_4a, office, class_4a, pupils_4a
):
    client_module, models = _module("client"), _module("models")
    register_read = _module("api.registers.register_read")
    register_submit = _module("api.registers.register_submit")
    mark_amend = _module("api.marks.mark_amend")
    calls_log = _module("api.calls.calls_log")
    leave_requests_record = _module("api.leave_requests.leave_requests_record")

    def signed_in(user):
        token = Token.objects.get_or_create(user=user)[0].key
        return client_module.AuthenticatedClient(
            base_url=live_server.url, token=token, prefix="Token", timeout=30.0
        )

    teacher, office_client = signed_in(teacher_4a), signed_in(office)
    am = models.RegisterSubmitSession.AM

    def lines(code: str, seen: dict[int, int | None]):
        return [
            models.RegisterSubmitLineRequest(pupil=p.pk, code=code, seen_version=seen.get(p.pk))
            for p in pupils_4a
        ]

    # The live server's thread reads the same clock: Monday, once the AM register is taken.
    with time_machine.travel(datetime(2025, 9, 8, 10, 0, tzinfo=LONDON), tick=True):
        saved = register_submit.sync(
            class_4a.pk,
            MONDAY,
            am,
            client=teacher,
            body=models.RegisterSubmitRequest(marks=lines("/", {})),
        )
        sheet = register_read.sync(
            class_4a.pk, MONDAY, models.RegisterReadSession.AM, client=teacher
        )
        first = sheet.lines[0].mark
        amended = mark_amend.sync(
            first.id,
            client=office_client,
            body=models.MarkAmendRequest(
                code="I", reason="Parent rang: ill", seen_version=first.version
            ),
        )
        read_before = {line.pupil.id: line.mark.version for line in sheet.lines}
        stale = register_submit.sync(
            class_4a.pk,
            MONDAY,
            am,
            client=teacher,
            body=models.RegisterSubmitRequest(marks=lines("/", read_before), reason="Re-saved"),
        )
        unknown = register_submit.sync(
            class_4a.pk,
            MONDAY,
            models.RegisterSubmitSession.PM,
            client=teacher,
            body=models.RegisterSubmitRequest(marks=lines("ZZ", {})),
        )
        logged = calls_log.sync(
            client=office_client,
            body=models.CallLogRequest(
                school=school.pk,
                pupil=pupils_4a[1].pk,
                direction=models.DirectionEnum.THEY_RANG,
                outcome=models.OutcomeEnum.REACHED,
                contact_name="Pat Parent",
                reason_given="Dentist this morning",
                code="M",
                first_day=MONDAY,
                last_day=MONDAY,
                last_session=models.SessionEnum.AM,
            ),
        )
        recorded = leave_requests_record.sync(
            client=office_client,
            body=models.LeaveRequestRecordRequest(
                school=school.pk,
                pupil=pupils_4a[2].pk,
                first_day=date(2025, 9, 22),
                last_day=date(2025, 9, 26),
                category=models.CategoryEnum.C,
                reason="Grandfather's funeral abroad",
            ),
        )

    assert isinstance(saved, models.RegisterSubmitted)
    assert (saved.created, saved.amended, saved.unchanged) == (5, 0, 0)
    assert isinstance(amended, models.RegisterMark) and amended.code == "I"
    # 409: the register was read before the office amended a mark.
    assert isinstance(stale, models.Conflict)
    assert [(c.pupil_id, c.code) for c in stale.conflicts] == [(pupils_4a[0].pk, "I")]
    # 400: an unknown code is the service's refusal, not a field error.
    assert isinstance(unknown, models.Refused)
    assert unknown.problems and "'ZZ'" in unknown.problems[0]
    assert isinstance(logged, models.CallLogged) and logged.sessions_coded == 1
    assert isinstance(recorded, models.LeaveRequest)

    assert Mark.objects.filter(date=MONDAY, session="AM").count() == 5
    assert set(Amendment.objects.values_list("new_code_id", flat=True)) == {"I", "M"}
    assert not Mark.objects.filter(session="PM").exists()
    assert ParentCall.objects.get().reason_given == "Dentist this morning"
    assert LeaveRequest.objects.get().reason == "Grandfather's funeral abroad"
