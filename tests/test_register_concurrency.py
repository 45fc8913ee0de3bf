"""Two people changing the same marks at once, in two real PostgreSQL transactions.

Issue rule: no update is lost; the stale save is refused with the current value, and nothing of
it is saved. The teacher re-saves the register while the office amends one of its marks; both
read the same version of the marks, both start together (a barrier), each on its own connection.
"""

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection

from registers.errors import StaleSave
from registers.models import Amendment, Mark
from registers.services.marks import mark_amend
from registers.services.register import RegisterEntry, register_submit
from tests.conftest import LONDON, MONDAY

# serialized_rollback: the flush between transactional tests would drop the code catalogue.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 5


def _race(*actions) -> list:
    """Run each action in its own thread and transaction, started together; their outcomes."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # the outcome under test, whatever it is
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@time_machine.travel(datetime(2025, 9, 8, 9, 5, tzinfo=LONDON), tick=False)
def test_a_teacher_and_the_office_changing_one_mark_at_once_lose_nothing(
    class_4a, pupils_4a, teacher_4a, office
):
    first = pupils_4a[0]
    session = "AM"
    for round_number in range(ROUNDS):
        if round_number == 0:
            register_submit(
                group=class_4a,
                day=MONDAY,
                session=session,
                entries=[RegisterEntry(pupil_id=p.pk, code="/") for p in pupils_4a],
                by=teacher_4a,
            )
        mark = Mark.objects.get(pupil=first, date=MONDAY, session=session)
        seen = mark.version
        teachers_code = "N" if mark.code_id != "N" else "/"
        offices_code = "I" if mark.code_id != "I" else "M"
        amendments_before = Amendment.objects.filter(mark=mark).count()

        teacher, office_outcome = _race(
            lambda seen=seen, code=teachers_code, session=session: register_submit(
                group=class_4a,
                day=MONDAY,
                session=session,
                entries=[
                    RegisterEntry(
                        pupil_id=p.pk,
                        code=code if p == first else "/",
                        seen_version=seen if p == first else 1,
                    )
                    for p in pupils_4a
                ],
                by=teacher_4a,
                reason="Seen leaving at break",
            ),
            lambda seen=seen, code=offices_code, mark=mark: mark_amend(
                mark=mark,
                code=code,
                arrived_at=None,
                reason="Parent rang",
                by=office,
                seen_version=seen,
            ),
        )

        refused = [o for o in (teacher, office_outcome) if isinstance(o, StaleSave)]
        assert len(refused) == 1, (teacher, office_outcome)
        winner_code = offices_code if isinstance(teacher, StaleSave) else teachers_code
        mark.refresh_from_db()
        assert mark.code_id == winner_code
        assert mark.version == seen + 1
        # One amendment for the one change that went through; the refused one left no trace.
        new = Amendment.objects.filter(mark=mark).order_by("amended_at")[amendments_before:]
        assert [(a.new_code_id) for a in new] == [winner_code]
        # The refusal shows the value that won, for the loser to see.
        assert refused[0].conflicts[0].code == winner_code
    assert Mark.objects.count() == len(pupils_4a)


@time_machine.travel(datetime(2025, 9, 8, 9, 5, tzinfo=LONDON), tick=False)
def test_two_people_taking_the_same_register_at_once_save_one_register(
    class_4a, pupils_4a, teacher_4a, office
):
    def take(by, code):
        return lambda: register_submit(
            group=class_4a,
            day=MONDAY,
            session="PM",
            entries=[RegisterEntry(pupil_id=p.pk, code=code) for p in pupils_4a],
            by=by,
        )

    outcomes = _race(take(teacher_4a, "\\"), take(office, "N"))
    refused = [o for o in outcomes if isinstance(o, StaleSave)]
    assert len(refused) == 1, outcomes
    codes = set(Mark.objects.filter(session="PM").values_list("code", flat=True))
    # All of one person's register, none of the other's: never a mixture.
    assert codes in ({"\\"}, {"N"})
    assert Mark.objects.filter(session="PM").count() == len(pupils_4a)
