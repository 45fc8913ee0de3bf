"""The morning peak: every teacher opens their class's register and submits it, at once.

Run by `loadtest/run.py` (`make load`), which prepares the database, signs the teachers in and
hands them over in the JSON file named by LOAD_TEACHERS: for each, the session cookie, the
class and the school sessions whose registers they take, oldest first. Each simulated teacher:

1. opens the register page of the next session (GET: the rendered form with the CSRF token
   and a line per pupil);
2. submits it through the page's own form (POST, with the page's CSRF and one-time form
   tokens): everyone present but a pupil or two ill, at an appointment or absent without a
   reason yet, as a morning usually goes;
3. moves on to the next session, with no pause: each teacher stands for a class of a school
   where all registers are being taken at the same minute.

A submission counts as saved only on the page's redirect (302). The registers saved and every
request's time are written to LOAD_RESULTS when the run stops, for `run.py` to count the marks
against and to compute the rate and percentiles from.
"""

import json
import os
import re
from itertools import count
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events, task
from requests.cookies import create_cookie

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ONCE = re.compile(r'name="form_once" value="([^"]+)"')
PUPIL = re.compile(r'name="code-(\d+)"')
TEACHERS: list[dict] = []
SAVED: list[list] = []  # [class id, day, session, pupils] of each register saved
REQUESTS: list[list] = []  # [name, started (epoch s), milliseconds, succeeded] of every request
_next_teacher = count()


@events.init.add_listener
def _load_teachers(environment, **kwargs) -> None:
    with open(os.environ["LOAD_TEACHERS"], encoding="utf-8") as file:
        TEACHERS.extend(json.load(file))


@events.request.add_listener
def _record(name, response_time, start_time, exception, **kwargs) -> None:
    REQUESTS.append([name, start_time, response_time, exception is None])


@events.test_stop.add_listener
def _write_results(environment, **kwargs) -> None:
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as file:
        json.dump({"saved": SAVED, "requests": REQUESTS}, file)


def _codes(pupils: list[str], session: str, turn: int) -> dict[str, str]:
    """Present, except: one pupil ill, one at an appointment now and then, one not yet known."""
    present = "/" if session == "AM" else "\\"
    codes = dict.fromkeys(pupils, present)
    if pupils:
        codes[pupils[turn % len(pupils)]] = "I"
        codes[pupils[(turn + 7) % len(pupils)]] = "N"
        if turn % 3 == 0:
            codes[pupils[(turn + 13) % len(pupils)]] = "M"
    return codes


class Teacher(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        index = next(_next_teacher)
        if index >= len(TEACHERS):
            raise RuntimeError("More simulated users than teachers: lower -u.")
        self.teacher = TEACHERS[index]
        assert self.host, "run.py starts locust with --host"
        host = self.host.split("://", 1)[1].split(":", 1)[0]
        for name, value in self.teacher["cookies"].items():
            self.client.cookiejar.set_cookie(create_cookie(name, value, domain=host))
        self.sessions = iter(self.teacher["sessions"])
        self.turn = 0

    @task
    def take_register(self) -> None:
        turn = next(self.sessions, None)
        if turn is None:
            self.stop()
            return
        day, session = turn
        self.turn += 1
        url = f"/registers/{self.teacher['group']}/{day}/{session}/"
        with self.client.get(url, name="open register", catch_response=True) as page:
            token = CSRF.search(page.text or "")
            once = FORM_ONCE.search(page.text or "")
            pupils = PUPIL.findall(page.text or "")
            if page.status_code != 200 or token is None or once is None:
                page.failure(f"opening answered {page.status_code}")
                return
        data = [
            ("csrfmiddlewaretoken", token.group(1)),
            # The page's one-time token, as a browser sends it (registers/middleware.py).
            ("form_once", once.group(1)),
            ("action", "save"),
            ("reason", ""),
        ]
        for pupil, code in _codes(pupils, session, self.turn).items():
            data += [
                ("pupil", pupil),
                (f"code-{pupil}", code),
                (f"arrived-{pupil}", ""),
                (f"seen-{pupil}", ""),
            ]
        with self.client.post(
            url,
            data=urlencode(data),
            name="submit register",
            allow_redirects=False,
            catch_response=True,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.host}{url}",
            },
        ) as saved:
            if saved.status_code == 302:
                SAVED.append([self.teacher["group"], day, session, len(pupils)])
                saved.success()
            else:
                saved.failure(f"saving answered {saved.status_code}")
