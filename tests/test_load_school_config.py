"""`load_school_config`: federations and schools from YAML, validated first, idempotent."""

from datetime import date, time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from registers.models import Closure, Federation, School, SchoolDay, SessionTimes, Term
from registers.selectors import is_school_session
from registers.services.school_config import read_config_file

pytestmark = pytest.mark.django_db

SHIPPED = Path(settings.BASE_DIR) / "school_config"

MINIMAL = """
federation: {name: Test Federation, retention_years: 6}
schools:
  - urn: 999001
    name: Test Primary
    la_code: 884
    session_times:
      - {year_groups: [R, "1", "2"], am_start: "08:45", am_register_closes: "09:00", pm_register_opens: "13:15", pm_register_closes: "13:20", end: "15:15"}
    terms:
      - {name: Autumn 2025, start: 2025-09-03, end: 2025-12-19, half_term_start: 2025-10-27, half_term_end: 2025-10-31}
    closures:
      - {date: 2025-11-07, sessions: [AM, PM], reason: INSET}
"""


def _load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    from io import StringIO

    out = StringIO()
    call_command("load_school_config", str(path), stdout=out)
    return out.getvalue()


def _rejected(tmp_path: Path, text: str) -> str:
    from io import StringIO

    err = StringIO()
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("load_school_config", str(path), stderr=err)
    return err.getvalue()


def _snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Federation, School, SessionTimes, Term, Closure, SchoolDay)
    ]


def test_a_minimal_file_creates_the_school_and_its_calendar(tmp_path):
    _load(tmp_path, MINIMAL)
    school = School.objects.get(urn="999001")
    assert school.federation.name == "Test Federation"
    assert school.session_times.get().am_register_closes == time(9, 0)
    assert is_school_session(school=school, day=date(2025, 9, 3), session="AM")
    assert not is_school_session(school=school, day=date(2025, 11, 7), session="PM")


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    _load(tmp_path, MINIMAL)
    before = _snapshot()
    assert "No changes" in _load(tmp_path, MINIMAL)
    assert _snapshot() == before


def test_both_shipped_federations_load_idempotently():
    for name in ("hmfa.yaml", "luston-shobdon.yaml"):
        call_command("load_school_config", str(SHIPPED / name), stdout=None)
    before = _snapshot()
    from io import StringIO

    for name in ("hmfa.yaml", "luston-shobdon.yaml"):
        out = StringIO()
        call_command("load_school_config", str(SHIPPED / name), stdout=out)
        assert "No changes" in out.getvalue()
    assert _snapshot() == before
    assert Federation.objects.get(name__startswith="Herefordshire").schools.count() == 7
    assert Federation.objects.get(name__startswith="Luston").schools.count() == 2


def test_the_shipped_times_are_the_policies_times():
    for name in ("hmfa.yaml", "luston-shobdon.yaml"):
        call_command("load_school_config", str(SHIPPED / name), stdout=None)
    # HMFA policy: Lord Scudamore gates 8.30; nursery 8.45-3.15, reception 8.50-3.05,
    # years 1-6 8.45-3.15; registers close 9.15.
    scudamore = School.objects.get(name="Lord Scudamore Academy")
    reception = scudamore.session_times.get(phase="Reception")
    assert (reception.gates_open, reception.am_start, reception.end_of_day) == (
        time(8, 30),
        time(8, 50),
        time(15, 5),
    )
    assert set(scudamore.session_times.values_list("am_register_closes", flat=True)) == {
        time(9, 15)
    }
    # Luston and Shobdon policy: 8.45 (Luston) and 8.50 (Shobdon), AM register open 15 minutes,
    # PM register at 1.15 open 5 minutes.
    shobdon = School.objects.get(name="Shobdon Primary School").session_times.get()
    assert (shobdon.am_start, shobdon.am_register_closes) == (time(8, 50), time(9, 5))
    assert (shobdon.pm_register_opens, shobdon.pm_register_closes) == (time(13, 15), time(13, 20))
    luston = School.objects.get(name="Luston Primary School")
    assert set(luston.session_times.values_list("am_register_closes", flat=True)) == {time(9, 0)}
    assert luston.session_times.get(phase="Luston Nursery").year_groups == ["N1", "N2"]


def test_a_changed_file_updates_and_removes_what_it_no_longer_lists(tmp_path):
    _load(tmp_path, MINIMAL)
    changed = MINIMAL.replace('"09:00"', '"09:05"').replace(
        "      - {date: 2025-11-07, sessions: [AM, PM], reason: INSET}\n", ""
    )
    summary = _load(tmp_path, changed)
    assert "closures deleted: 2" in summary and "session times updated: 1" in summary
    school = School.objects.get(urn="999001")
    assert school.session_times.get().am_register_closes == time(9, 5)
    assert is_school_session(school=school, day=date(2025, 11, 7), session="AM")


def test_unquoted_yaml_times_are_read_as_times(tmp_path):
    # YAML 1.1 reads an unquoted 8:45 as the base-60 number 525.
    _load(tmp_path, MINIMAL.replace('am_start: "08:45"', "am_start: 8:45"))
    assert School.objects.get().session_times.get().am_start == time(8, 45)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('am_register_closes: "09:00"', 'am_register_closes: "09:20"'), "at most 30 minutes"),
        (('end: "15:15"', 'end: "12:00"'), "'end of day' (12:00) must be after"),
        (("urn: 999001", "urn: 99901"), "A URN is 6 digits"),
        (("la_code: 884", "la_code: 884\n    estab: 201"), "establishment number is 4 digits"),
        (("la_code: 884", "la_code: 88"), "local authority number is 3 digits"),
        (("[R, ", "[R, R, "), "A year group is listed twice"),
        (('"2"]', '"15"]'), "Unknown year group '15'"),
        (("end: 2025-12-19", "end: 2025-08-19"), "The term ends before it starts"),
        (("half_term_start: 2025-10-27", "half_term_start: 2026-01-27"), "Half term"),
        (
            ("date: 2025-11-07", "date: 2026-11-07"),
            "Sat 7 Nov 2026 is not in any of the school's terms",
        ),
        (("reason: INSET", "reason: ''"), "give the reason for the closure"),
        (("start: 2025-09-03", "start: 3rd September"), "is not a date"),
        (('am_start: "08:45"', 'am_start: "quarter to nine"'), "is not a time"),
        (("retention_years: 6", "retention_years: 3"), "greater than or equal to 6"),
        (
            ("retention_years: 6", "retention_years: 6, ladder_minimum_sessions: 0"),
            "greater than or equal to 1",
        ),
    ],
)
def test_bad_values_are_refused_with_a_clear_message_and_nothing_is_saved(
    tmp_path, change, message
):
    errors = _rejected(tmp_path, MINIMAL.replace(*change))
    assert message in errors
    assert "school 9990" in errors or "federation" in errors
    assert not Federation.objects.exists()
    assert not School.objects.exists()


def test_one_bad_school_stops_the_good_ones_being_saved(tmp_path):
    second = (
        MINIMAL.split("schools:\n")[1].replace("999001", "999002").replace('"09:00"', '"10:00"')
    )
    errors = _rejected(tmp_path, MINIMAL + second)
    assert "school 999002 session_times[0]" in errors
    assert not School.objects.exists()


def test_a_year_group_in_two_phases_is_refused(tmp_path):
    two_phases = MINIMAL.replace(
        '      - {year_groups: [R, "1", "2"]',
        '      - {phase: Infants, year_groups: [R, "1"], am_start: "08:45", am_register_closes: "09:00", '
        'pm_register_opens: "13:15", pm_register_closes: "13:20", end: "15:15"}\n'
        '      - {phase: Juniors, year_groups: ["1", "2"]',
    )
    assert "Year group 1 is in both 'Infants' and 'Juniors'" in _rejected(tmp_path, two_phases)


def test_overlapping_terms_are_refused(tmp_path):
    overlapping = MINIMAL.replace(
        "    closures:",
        "      - {name: Spring 2026, start: 2025-12-15, end: 2026-03-27}\n    closures:",
    )
    assert (
        "The terms 'Autumn 2025' (Wed 3 Sep 2025 to Fri 19 Dec 2025) and 'Spring 2026' "
        "(Mon 15 Dec 2025 to Fri 27 Mar 2026) overlap" in _rejected(tmp_path, overlapping)
    )


def test_a_session_closed_twice_is_refused(tmp_path):
    twice = MINIMAL + "      - {date: 2025-11-07, sessions: [PM], reason: Polling day}\n"
    assert "Fri 7 Nov 2025 PM is closed twice" in _rejected(tmp_path, twice)


def test_a_school_of_another_federation_cannot_be_taken_over(tmp_path):
    _load(tmp_path, MINIMAL)
    errors = _rejected(tmp_path, MINIMAL.replace("name: Test Federation", "name: Other Trust"))
    assert "already belongs to the federation 'Test Federation'" in errors
    assert not Federation.objects.filter(name="Other Trust").exists()


def test_a_file_that_is_not_yaml_is_refused(tmp_path):
    assert "not valid YAML" in _rejected(tmp_path, "federation: [unclosed")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_school_config", str(tmp_path / "missing.yaml"))


def test_the_ladders_minimum_of_possible_sessions_is_a_federation_setting(tmp_path):
    # Issue #17: "ladder_minimum_sessions possible sessions this school year (a federation
    # setting in the YAML, default 30, three school weeks)".
    _load(tmp_path, MINIMAL)
    assert Federation.objects.get().ladder_minimum_sessions == 30
    _load(
        tmp_path,
        MINIMAL.replace("retention_years: 6", "retention_years: 6, ladder_minimum_sessions: 20"),
    )
    assert Federation.objects.get().ladder_minimum_sessions == 20
    for name in ("hmfa.yaml", "luston-shobdon.yaml"):
        shipped = read_config_file(SHIPPED / name)
        assert shipped["federation"]["ladder_minimum_sessions"] == 30, name


def test_a_school_chooses_how_its_first_day_messages_go(tmp_path):
    # Issue 19: "a per-school choice of e-mail, text or both for first-day absence messages".
    _load(tmp_path, MINIMAL)
    assert School.objects.get(urn="999001").first_day_message_channel == "email"
    _load(
        tmp_path,
        MINIMAL.replace(
            "    la_code: 884\n", "    la_code: 884\n    first_day_message_channel: text\n"
        ),
    )
    assert School.objects.get(urn="999001").first_day_message_channel == "text"
    before = _snapshot()
    problems = _rejected(
        tmp_path,
        MINIMAL.replace(
            "    la_code: 884\n", "    la_code: 884\n    first_day_message_channel: pigeon\n"
        ),
    )
    assert "first_day_message_channel" in problems and "pigeon" in problems
    assert _snapshot() == before
