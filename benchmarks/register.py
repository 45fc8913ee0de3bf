"""How much a register costs to open and to save, against a lean view giving the same answer.

Run with `make bench` (or `python benchmarks/register.py`). Not a test and asserts no times: it
prints figures for a person to compare before and after a change, with the machine they came
from. The issue's targets: opening and saving each under 50 ms; the Django CPU of a register
opened and saved within 1.5x of the lean view's.

1. Set up the scale database (`common.scale_database`: `generate_trust --schools 50
   --pupils-per-school 500 --years 1 --seed 1`, built on the first run and reused).
2. Take the first school's first class and the last sessions of its year (every one already
   has its marks). Before each save, untimed, that session's marks and register are read and
   deleted; the save then enters the same codes again (late ones by their arrival time), so
   the data is as generated after every run.
3. Through Django's test Client, signed in as the class teacher, after a warm-up, in turns:
   - the application saving: a POST of the whole register as the page sends it (URL-encoded,
     with its one-time form token): a new register, a mark per pupil;
   - the lean view saving: the same POST to a view that sends exactly the statements the
     application's view sent for that save (captured from an untimed save just before, and
     deleted again), in one transaction, and answers with the same redirect and message;
   - the application opening the page of a saved register (GET);
   - the lean view opening it: the statements the application's view sends for that page,
     then the page the application drew, with this request's tokens.
   Both views sit behind the same middleware (`benchmarks/lean_urls.py`), so the difference is
   what the application's view adds to its own SQL: building queries and objects, checking,
   drawing the page. The lean view is the floor: it draws nothing.
4. Print, for each step, the application's median and 95th percentile (wall clock), the CPU
   time of this process (Django and psycopg, not PostgreSQL) per request of each view, their
   ratio and the queries; then the CPU of a register opened and saved, for both.
"""

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode
from uuid import uuid4

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
        f"timed runs of each step after {args.warmup} warm-up, application and lean view in "
        "turns."
    )
    print(
        f"{'':28}{'median':>9}{'p95':>9}{'CPU app':>10}{'CPU lean':>10}{'ratio':>7}{'queries':>9}"
    )
    cpu_app = cpu_lean = 0.0
    for label, runner in scene.steps():
        app, app_cpu, lean_cpu, queries = _measure(
            runner, warmup=args.warmup, iterations=args.iterations
        )
        app_ms, lean_ms = statistics.median(app_cpu), statistics.median(lean_cpu)
        cpu_app, cpu_lean = cpu_app + app_ms, cpu_lean + lean_ms
        print(
            f"{label:28}{statistics.median(app):>6.1f} ms{common.p95(app):>6.1f} ms"
            f"{app_ms:>7.2f} ms{lean_ms:>7.2f} ms{app_ms / lean_ms:>6.2f}x"
            f"{_queries(queries):>9}"
        )
    print(
        f"CPU of a register opened and saved (medians): application {cpu_app:.2f} ms, lean "
        f"view {cpu_lean:.2f} ms, ratio {cpu_app / cpu_lean:.2f}x."
    )
    print("Targets: open and save each under 50 ms (median); CPU within 1.5x of the lean view's.")


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
        from registers.models import Mark, RegistrationGroup, SchoolDay
        from registers.selectors import group_pupils_on

        group = (
            RegistrationGroup.objects.filter(school=school)
            .select_related("school")
            .order_by("pk")
            .first()
        )
        if group is None:
            sys.exit("The school has no class.")
        days = list(SchoolDay.objects.filter(school=school).order_by("-date")[: runs + 10])
        pupils = list(group_pupils_on(group=group, day=days[0].date))
        # Sessions whose marks a run stopped midway left deleted are passed over.
        marked = set(
            Mark.objects.filter(
                school=school, pupil=pupils[0], date__gte=days[-1].date
            ).values_list("date", "session")
        )
        sessions = sorted(
            (day.date, session)
            for day in days
            for session, is_open in (("AM", day.am), ("PM", day.pm))
            if is_open and (day.date, session) in marked
        )[-runs:]
        if len(sessions) < runs:
            sys.exit(f"The school has {len(sessions)} sessions; {runs} are needed.")
        return cls(
            teacher=group.teachers.get(),
            group=group,
            pupils=pupils,
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

    def steps(self) -> list[tuple[str, Callable[[int], tuple]]]:
        """(label, run) for each step; a run returns (wall ms, application CPU ms, lean CPU ms,
        queries) for the run's number."""
        import lean_urls
        from django.conf import settings
        from django.test import Client
        from django.urls import clear_url_caches, reverse

        settings.ROOT_URLCONF = "lean_urls"
        # As in production: no query log kept (it costs every statement some CPU).
        settings.DEBUG = False
        clear_url_caches()
        client = Client(HTTP_HOST="localhost")  # an ALLOWED_HOSTS name; no test instrumentation
        client.force_login(self.teacher)

        def url(day, session: str, view: str = "") -> str:
            if view:
                return f"/{view}/{self.group.pk}/{day.isoformat()}/{session}/"
            return reverse("register", args=[self.group.pk, day, session])

        def post(day, session: str, view: str = ""):
            # As a browser sends the form: URL-encoded (the test client's default, multipart,
            # costs the server a quarter of the save to parse), with its one-time token.
            body = urlencode(self.form(day, session), doseq=True)
            return _expect(client.post(url(day, session, view), body, content_type=FORM), 302)

        def save(run: int) -> tuple:
            day, session = self.sessions[run]
            self.forget(day, session)
            post(day, session, "capture")
            lean_urls.Replay.statements = _without_savepoints(lean_urls.captured)
            lean_urls.Replay.location = url(day, session)
            lean_urls.Replay.message = f"Register saved: {len(self.pupils)} new mark(s), 0 amended."
            queries = len(lean_urls.Replay.statements)
            self.forget(day, session)
            app_wall, app_cpu = _timed(lambda: post(day, session))
            self.forget(day, session)
            _wall, lean_cpu = _timed(lambda: post(day, session, "lean"))
            return app_wall, app_cpu, lean_cpu, queries

        opened_day, opened_session = self.sessions[0]  # saved by the first save: a register taken
        opened_url = url(opened_day, opened_session)

        captured: dict = {}

        def open_page(run: int) -> tuple:
            if not captured:
                page = _expect(
                    client.get(url(opened_day, opened_session, "capture")), 200
                ).content.decode()
                captured.update(page=page, statements=_without_savepoints(lean_urls.captured))
            page, opening = captured["page"], captured["statements"]
            lean_urls.Replay.page, lean_urls.Replay.statements = _tokens_out(page), opening
            app_wall, app_cpu = _timed(lambda: _same_page(client.get(opened_url), page))
            _wall, lean_cpu = _timed(
                lambda: _same_page(client.get(url(opened_day, opened_session, "lean")), page)
            )
            return app_wall, app_cpu, lean_cpu, len(opening)

        return [("save (POST, new register)", save), ("open (GET register page)", open_page)]

    def form(self, day, session: str) -> dict:
        """The POST the register page sends, with the session's original codes."""
        codes = self.original[(day, session)]
        opens = self.phase.am_start if session == "AM" else self.phase.pm_register_opens
        data: dict = {
            "pupil": [p.pk for p in self.pupils],
            "action": "save",
            "reason": "",
            "form_once": uuid4().hex,
        }
        for pupil in self.pupils:
            code, minutes = codes[pupil.pk]
            arrived = ""
            if minutes is not None:
                arrived = f"{datetime.combine(day, opens) + timedelta(minutes=minutes):%H:%M}"
            data[f"code-{pupil.pk}"] = code
            data[f"arrived-{pupil.pk}"] = arrived
            data[f"seen-{pupil.pk}"] = ""
        return data


_TOKENS = (
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), "{{csrf-token}}"),
    (re.compile(r'(name="form_once" value=")[^"]+'), "{{form-once}}"),
)


def _tokens_out(page: str) -> str:
    for pattern, placeholder in _TOKENS:
        page = pattern.sub(rf"\g<1>{placeholder}", page)
    return page


def _same_page(response, page: str):
    """The lean view must answer with the application's page, and the application with the
    same page every time (only the tokens differ)."""
    _expect(response, 200)
    if _tokens_out(response.content.decode()) != _tokens_out(page):
        sys.exit("The two views drew different pages.")
    return response


def _expect(response, status: int):
    """A refused save is not a fast save: stop rather than time it."""
    if response.status_code != status:
        sys.exit(f"{response.request['PATH_INFO']} answered {response.status_code}, not {status}.")
    # A browser follows the redirect and shows "Register saved"; unread, the messages would pile
    # up in the cookie and then in the session, making each later request slower.
    response.client.cookies.pop("messages", None)
    return response


def _without_savepoints(statements: list) -> list:
    """The view's statements, sent again in one transaction (savepoints are the ORM's)."""
    skipped = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [s for s in statements if not s[0].lstrip().upper().startswith(skipped)]


def _timed(step: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one request (CPU: this process, so Django and
    psycopg, not PostgreSQL)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _measure(runner, *, warmup: int, iterations: int):
    app, app_cpu, lean_cpu, queries = [], [], [], []
    for run in range(warmup + iterations):
        wall, cpu, lean, count = runner(run)
        if run >= warmup:
            app.append(wall)
            app_cpu.append(cpu)
            lean_cpu.append(lean)
            queries.append(count)
    return app, app_cpu, lean_cpu, queries


def _queries(counts: list[int]) -> str:
    return str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"


if __name__ == "__main__":
    main()
