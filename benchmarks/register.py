"""How long a teacher waits to open and to save a 30-pupil register, against PostgreSQL.

Run with `make bench` (or `python benchmarks/register.py`). Not a test and asserts no times: it
prints figures for a person to compare before and after a change, with the machine they came
from. It only ever writes to its own database (the name must contain "bench"):

1. Create the database named by DATABASE_URL if it is missing, and migrate it.
2. Build the synthetic data once (one school, one class of 30 pupils, a term ending today), and
   remove the marks and registers a previous run saved, so every run starts alike.
   Planner statistics are refreshed before each step (`_analyze`).
3. Through Django's test Client, signed in as the class teacher, time after a warm-up:
   - saving: a POST of the whole register, each time a session not taken before (30 new marks);
   - opening: `register_sheet` alone, then a GET of the page (the selector and the rendering);
   - re-saving: a POST of a saved register changing all 30 codes (30 amendments with a reason).
4. Print the median and 95th percentile in ms, and the queries each request made.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import common

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attendance_bench"
PUPILS = 30
SCHOOL_NAME = "Benchmark Primary"
TEACHER = "bench-teacher"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50, help="timed runs of each step")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs before them")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    database = common.database_create_if_missing(url, example=DEFAULT_DATABASE_URL)
    common.django_setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    scene = _scene_build()
    print(common.machine())
    print(
        f"Register of {PUPILS} pupils, database {database}: {args.iterations} timed runs "
        f"of each step after {args.warmup} warm-up."
    )
    print(f"{'':34}{'median':>10}{'p95':>10}{'queries':>9}")
    for label, step in _steps(scene, args.warmup + args.iterations):
        _analyze()
        times, queries = _measure(step, warmup=args.warmup, iterations=args.iterations)
        print(
            f"{label:34}{statistics.median(times):>7.1f} ms{common.p95(times):>7.1f} ms"
            f"{_queries(queries):>9}"
        )


class Scene:
    def __init__(self, *, teacher, group, pupils, sessions) -> None:
        self.teacher = teacher
        self.group = group
        self.pupils = pupils
        self.sessions = sessions  # (day, session) of the term, oldest first, none taken yet


def _scene_build() -> Scene:
    """The school, class and term (built on the first run), with no marks or registers left."""
    from django.db import transaction
    from django.utils import timezone

    from registers.models import (
        Amendment,
        Mark,
        Pupil,
        Register,
        RegistrationGroup,
        School,
        SchoolDay,
    )
    from registers.services.calendar import school_calendar_rebuild
    from tests.factories import (
        EnrolmentFactory,
        GroupMembershipFactory,
        MembershipFactory,
        PupilFactory,
        RegistrationGroupFactory,
        SchoolFactory,
        SessionTimesFactory,
        TermFactory,
        UserFactory,
    )

    today = timezone.localdate()
    with transaction.atomic():
        school = School.objects.filter(name=SCHOOL_NAME).first()
        if school is None:
            school = SchoolFactory(name=SCHOOL_NAME)
            SessionTimesFactory(school=school)  # AM register 08:45-09:15, PM 13:15-13:30
            teacher = UserFactory(username=TEACHER, first_name="Bea", last_name="Bench")
            MembershipFactory(user=teacher, school=school)
            group = RegistrationGroupFactory(school=school, name="Bench 4B")
            group.teachers.add(teacher)
            for _ in range(PUPILS):
                pupil = PupilFactory()
                EnrolmentFactory(pupil=pupil, school=school, start_date=today - timedelta(400))
                GroupMembershipFactory(group=group, pupil=pupil, start_date=today - timedelta(400))
        # The term always ends today, whenever the benchmark runs: registers cannot be saved
        # for days still to come.
        school.terms.all().delete()
        TermFactory(school=school, name="Bench term", start=today - timedelta(200), end=today)
        school_calendar_rebuild(school=school)
        Amendment.objects.filter(mark__school=school).delete()
        Mark.objects.filter(school=school).delete()
        Register.objects.filter(school=school).delete()
    group = RegistrationGroup.objects.get(school=school)
    sessions = [
        (day.date, session)
        for day in SchoolDay.objects.filter(school=school).order_by("date")
        for session, is_open in (("AM", day.am), ("PM", day.pm))
        if is_open
    ]
    return Scene(
        teacher=group.teachers.get(),
        group=group,
        pupils=list(Pupil.objects.filter(group_memberships__group=group).order_by("pk")),
        sessions=sessions,
    )


def _analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them on a live database.

    Without it the planner keeps the statistics of the emptied tables while a step fills them:
    once marks and amendments were saved, `register_sheet`'s marks query took 14 ms, not 1 ms.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _form(scene: Scene, day, session: str, codes: list[str], *, seen=None, reason="") -> dict:
    """The POST the register page sends: a line per pupil, as `register_entries` reads it."""
    data: dict = {"pupil": [p.pk for p in scene.pupils], "action": "save", "reason": reason}
    for pupil, code in zip(scene.pupils, codes, strict=True):
        late = code == "L"
        data[f"code-{pupil.pk}"] = code
        data[f"arrived-{pupil.pk}"] = ("08:57" if session == "AM" else "13:22") if late else ""
        data[f"seen-{pupil.pk}"] = (seen or {}).get(pupil.pk, "")
    return data


def _expect(response, status: int, what: str) -> None:
    """A refused save is not a fast save: stop rather than time it."""
    if response.status_code != status:
        sys.exit(f"{what} answered {response.status_code}, not {status}.")
    # A browser follows the redirect and shows "Register saved"; unread, the messages would pile
    # up in the cookie and then in the session, making each later request slower.
    response.client.cookies.pop("messages", None)


def _steps(scene: Scene, runs: int) -> list[tuple[str, Callable[[int], None]]]:
    """Each step takes the run's number and makes one request (or one selector call)."""
    from django.test import Client
    from django.urls import reverse

    from registers import selectors
    from registers.models import Mark

    if len(scene.sessions) < runs + 1:
        sys.exit(f"The bench term has {len(scene.sessions)} sessions; {runs + 1} are needed.")
    client = Client(HTTP_HOST="localhost")  # an ALLOWED_HOSTS name; no test instrumentation
    client.force_login(scene.teacher)

    def url(day, session: str) -> str:
        return reverse("register", args=[scene.group.pk, day, session])

    def usual_codes(session: str) -> list[str]:
        present = "/" if session == "AM" else "\\"
        return ["N", "N", "L"] + [present] * (PUPILS - 3)

    def save(run: int) -> None:
        day, session = scene.sessions[run]
        response = client.post(url(day, session), _form(scene, day, session, usual_codes(session)))
        _expect(response, 302, f"Saving {day} {session}")

    opened_day, opened_session = scene.sessions[0]  # saved by the first `save`

    def sheet(run: int) -> None:
        selectors.register_sheet(group=scene.group, day=opened_day, session=opened_session)

    def open_page(run: int) -> None:
        _expect(client.get(url(opened_day, opened_session)), 200, "Opening the register")

    resaved_day, resaved_session = scene.sessions[runs]

    def resave(run: int) -> None:
        # Every code changes each time: all N, then all present, then all N ...
        codes = [("N", usual_codes(resaved_session)[-1])[run % 2]] * PUPILS
        seen = dict(
            Mark.objects.filter(
                school=scene.group.school, date=resaved_day, session=resaved_session
            ).values_list("pupil_id", "version")
        )
        data = _form(scene, resaved_day, resaved_session, codes, seen=seen, reason="Benchmark")
        _expect(client.post(url(resaved_day, resaved_session), data), 302, "Re-saving")

    return [
        ("save (POST, new register)", save),
        ("open: register_sheet alone", sheet),
        ("open (GET register page)", open_page),
        ("re-save (POST, 30 marks amended)", resave),
    ]


def _measure(step: Callable[[int], None], *, warmup: int, iterations: int):
    """Milliseconds and query counts of the timed runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for run in range(warmup + iterations):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            step(run)
            elapsed = (time.perf_counter() - started) * 1000
        if run >= warmup:
            times.append(elapsed)
            queries.append(len(captured))
    return times, queries


def _queries(counts: list[int]) -> str:
    return str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"


if __name__ == "__main__":
    main()
