"""Session times per school and phase: in order, and no register open for more than 30 minutes."""

import re
from datetime import time

import pytest
from django.core.exceptions import ValidationError

from registers.models import SessionTimes
from registers.selectors import session_times_for

pytestmark = pytest.mark.django_db


def _times(school, **changes) -> SessionTimes:
    values = {
        "school": school,
        "phase": "Years 1-6",
        "year_groups": ["1", "2", "3", "4", "5", "6"],
        "gates_open": time(8, 30),
        "am_start": time(8, 45),
        "am_register_closes": time(9, 15),
        "pm_register_opens": time(13, 15),
        "pm_register_closes": time(13, 30),
        "end_of_day": time(15, 15),
    }
    values.update(changes)
    return SessionTimes(**values)


def test_lord_scudamores_years_1_to_6_day_is_valid(school):
    # HMFA policy: gates open 8.30, years 1-6 8.45am-3.15pm, registers close 9.15am.
    _times(school).full_clean()


def test_a_register_open_more_than_30_minutes_is_refused(school):
    # 2024 regulations: registers may stay open for at most 30 minutes.
    with pytest.raises(ValidationError, match="open from 08:45 to 09:20; a register may stay open"):
        _times(school, am_register_closes=time(9, 20)).full_clean()
    with pytest.raises(ValidationError, match="The PM register is open from 13:15 to 13:50"):
        _times(school, pm_register_closes=time(13, 50)).full_clean()


def test_a_register_open_exactly_30_minutes_is_allowed(school):
    _times(school, am_register_closes=time(9, 15)).full_clean()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"am_register_closes": time(8, 40)}, "'AM register closes' (08:40) must be after"),
        ({"pm_register_opens": time(9, 0)}, "'PM register opens' (09:00) must be after"),
        ({"end_of_day": time(13, 0)}, "'end of day' (13:00) must be after"),
        ({"gates_open": time(9, 0)}, "'AM register opens' (08:45) must be after 'gates open'"),
    ],
)
def test_times_out_of_order_are_refused(school, changes, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        _times(school, **changes).full_clean()


def test_unknown_year_groups_are_refused(school):
    with pytest.raises(ValidationError, match="Unknown year group '15'"):
        _times(school, year_groups=["15"]).full_clean()


def test_each_pupil_keeps_the_day_of_their_phase(school):
    # HMFA policy, Lord Scudamore: nursery 8.45-3.15, reception 8.50-3.05, years 1-6 8.45-3.15.
    school.session_times.all().delete()
    _times(school, phase="Nursery", year_groups=["N1", "N2"]).save()
    _times(
        school, phase="Reception", year_groups=["R"], am_start=time(8, 50), end_of_day=time(15, 5)
    ).save()
    _times(school).save()
    assert session_times_for(school=school, year_group="R").am_start == time(8, 50)
    assert session_times_for(school=school, year_group="N2").phase == "Nursery"
    assert session_times_for(school=school, year_group="4").end_of_day == time(15, 15)
    assert session_times_for(school=school, year_group="9") is None
