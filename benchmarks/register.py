"""How long a teacher waits to open and to save a register, in the 25,000-pupil trust.

Run with `make bench` (or `python benchmarks/register.py`). Not a test and asserts no times: it
prints figures for a person to compare before and after a change, with the machine they came
from. The issue's targets: opening and saving each under 50 ms.

1. Set up the scale database (`common.scale_database`: `generate_trust --schools 50
   --pupils-per-school 500 --years 1 --seed 1`, built on the first run and reused).
2. Take the first school's first class and the last sessions of its year (every one already
   has its marks). Before each timed save, untimed, that session's marks and register are read
   and deleted; the save then enters the same codes again (late ones by their arrival time),
   so the data is as generated after every run.
3. Through Django's test Client, signed in as the class teacher, time after a warm-up:
   - saving: a POST of the whole register (a new register: a mark per pupil);
   - opening: a GET of the page for a saved register (the selector and the rendering).
   Each request's SQL is captured and then re-run bare on a cursor, timed the same way (the
   save's inside one transaction, after deleting the session again, as the request did).
4. Print the median and 95th percentile of each, the bare SQL's median, their ratio and the
   queries each request made.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

import common

FORM = "application/x-www-form-urlencoded"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50, help="timed runs of each step")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs before them")
    args = parser.parse_args()

    data = common.scale_database()
    runs = args.warmup + args.iterations
    scene = Scene.build(school=data.schools[0], runs=runs)
    print(common.machine())
    print(data.describe())
    print(
        f"Register of {len(scene.pupils)} pupils (class {scene.group.name}): {args.iterations} "
        f"timed runs of each step after {args.warmup} warm-up."
    )
    print(f"{'':30}{'median':>10}{'p95':>10}{'bare SQL':>12}{'ratio':>8}{'queries':>9}")
    for label, prepare, step in scene.steps():
        app, bare, queries = _measure(prepare, step, warmup=args.warmup, iterations=args.iterations)
        ratio = statistics.median(app) / statistics.median(bare)
        print(
            f"{label:30}{statistics.median(app):>7.1f} ms{common.p95(app):>7.1f} ms"
            f"{statistics.median(bare):>9.1f} ms{ratio:>7.2f}x{_queries(queries):>9}"
        )
    print("Targets: open and save each under 50 ms (median).")


class Scene:
    def __init__(self, *, teacher, group, pupils, sessions, phase) -> None:
        self.teacher = teacher
        self.group = group
        self.pupils = pupils
        self.sessions = sessions  # (day, session), the year's last ones, oldest first
        self.phase = phase
        self.original: dict = {}  # (day, session) -> {pupil id: (code, minutes late)}

    @classmethod
    def build(cls, *, school, runs: int) -> "Scene":
        from registers.models import RegistrationGroup, SchoolDay
        from registers.selectors import group_pupils_on

        group = (
            RegistrationGroup.objects.filter(school=school)
            .select_related("school")
            .order_by("pk")
            .first()
        )
        if group is None:
            sys.exit("The school has no class.")
        days = list(SchoolDay.objects.filter(school=school).order_by("-date")[:runs])
        sessions = sorted(
            (day.date, session)
            for day in days
            for session, is_open in (("AM", day.am), ("PM", day.pm))
            if is_open
        )[-runs:]
        if len(sessions) < runs:
            sys.exit(f"The school has {len(sessions)} sessions; {runs} are needed.")
        return cls(
            teacher=group.teachers.get(),
            group=group,
            pupils=list(group_pupils_on(group=group, day=sessions[-1][0])),
            sessions=sessions,
            phase=school.session_times.get(),
        )

    def forget(self, day, session: str) -> None:
        """Delete the class's marks and register of one session, keeping their codes here."""
        from django.db import transaction

        from registers.models import Mark, Register

        marks = Mark.objects.filter(
            school_id=self.group.school_id,
            date=day,
            session=session,
            pupil__in=[p.pk for p in self.pupils],
        )
        with transaction.atomic():
            saved = {m.pupil_id: (m.code_id, m.minutes_late) for m in marks}
            if saved:
                self.original.setdefault((day, session), saved)
            elif (day, session) not in self.original:
                sys.exit(f"{day} {session} has no marks: rebuild the scale database.")
            marks.delete()
            Register.objects.filter(group=self.group, date=day, session=session).delete()

    def form(self, day, session: str) -> dict:
        """The POST the register page sends, with the session's original codes."""
        codes = self.original[(day, session)]
        opens = self.phase.am_start if session == "AM" else self.phase.pm_register_opens
        data: dict = {"pupil": [p.pk for p in self.pupils], "action": "save", "reason": ""}
        for pupil in self.pupils:
            code, minutes = codes[pupil.pk]
            arrived = ""
            if minutes is not None:
                arrived = f"{datetime.combine(day, opens) + timedelta(minutes=minutes):%H:%M}"
            data[f"code-{pupil.pk}"] = code
            data[f"arrived-{pupil.pk}"] = arrived
            data[f"seen-{pupil.pk}"] = ""
        return data

    def steps(self) -> list[tuple[str, Callable[[int], None], Callable[[int], object]]]:
        """(label, untimed preparation, timed request) for each step, by the run's number."""
        from django.test import Client
        from django.urls import reverse

        client = Client(HTTP_HOST="localhost")  # an ALLOWED_HOSTS name; no test instrumentation
        client.force_login(self.teacher)

        def url(day, session: str) -> str:
            return reverse("register", args=[self.group.pk, day, session])

        def forget(run: int) -> None:
            self.forget(*self.sessions[run])

        def save(run: int):
            day, session = self.sessions[run]
            # As a browser sends the form: URL-encoded (the test client's default, multipart,
            # costs the server a quarter of the save to parse).
            body = urlencode(self.form(day, session), doseq=True)
            response = client.post(url(day, session), body, content_type=FORM)
            return _expect(response, 302, "Saving")

        opened = self.sessions[0]

        def open_page(run: int):
            return _expect(client.get(url(*opened)), 200, "Opening the register")

        return [
            ("save (POST, new register)", forget, save),
            ("open (GET register page)", lambda run: None, open_page),
        ]


def _expect(response, status: int, what: str):
    """A refused save is not a fast save: stop rather than time it."""
    if response.status_code != status:
        sys.exit(f"{what} answered {response.status_code}, not {status}.")
    # A browser follows the redirect and shows "Register saved"; unread, the messages would pile
    # up in the cookie and then in the session, making each later request slower.
    response.client.cookies.pop("messages", None)
    return response


def _run_bare(statements: list[str]) -> None:
    """The request's SQL on a plain cursor, in one transaction as the request ran it."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            if cursor.description is not None:
                cursor.fetchall()


def _measure(prepare, step, *, warmup: int, iterations: int):
    """Milliseconds of the timed runs, of their SQL re-run bare, and their query counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app, bare, queries = [], [], []
    for run in range(warmup + iterations):
        prepare(run)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            step(run)
            elapsed = (time.perf_counter() - started) * 1000
        statements = [
            q["sql"]
            for q in captured.captured_queries
            if not q["sql"].startswith("SAVEPOINT") and not q["sql"].startswith("RELEASE SAVEPOINT")
        ]
        prepare(run)  # the save's rows are deleted again, so the bare SQL inserts them anew
        started = time.perf_counter()
        _run_bare(statements)
        bare_elapsed = (time.perf_counter() - started) * 1000
        if run >= warmup:
            app.append(elapsed)
            bare.append(bare_elapsed)
            queries.append(len(captured))
    return app, bare, queries


def _queries(counts: list[int]) -> str:
    return str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"


if __name__ == "__main__":
    main()
