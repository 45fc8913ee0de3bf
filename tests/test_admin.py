"""The admin pages: every page opens, bad input is refused in plain words with nothing saved,
the calendar is rebuilt when a school's terms or closures change, and the register is view-only."""

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core import checks
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from absences.models import (
    FirstDayMessage,
    LeaveRequest,
    MedicalEvidenceRequest,
    OverdueNFlag,
    ParentCall,
    ParentReport,
    PartTimeTimetable,
    ReportedAbsence,
    SafeguardingFlag,
    TimetableReview,
)
from penalties.models import (
    CaseDecision,
    LadderLetter,
    LadderStep,
    NoticeToImprove,
    PenaltyNotice,
    SupportOffered,
    ThresholdCase,
    ThresholdCheck,
)
from registers.models import (
    AccessLog,
    Amendment,
    AttendanceCode,
    Closure,
    Enrolment,
    Federation,
    LateArrival,
    Mark,
    MessageKind,
    OutboxMessage,
    Pupil,
    Register,
    RegisterReminder,
    RegistrationGroup,
    RetentionRun,
    School,
    SchoolDay,
    SessionTimes,
    Term,
)
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    GroupMembershipFactory,
    MarkFactory,
    MembershipFactory,
    PupilContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    UserFactory,
    make_upn,
)

pytestmark = pytest.mark.django_db

# Every registered model admin, so a new one is covered without editing this file.
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
REGISTERED_IDS = [model._meta.label for model, _ in REGISTERED]


def _url(model: type[Model], view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _encode(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, date | time):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def _form_data(response: Any) -> dict[str, Any]:
    """What the browser posts back for a change or add page as rendered, before any edit."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(inline.formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is True:
                data[field.html_name] = "on"
            elif value is not False:  # an unticked box is not posted at all
                data[field.html_name] = _encode(value)
    return data


def _add_row(data: dict[str, Any], prefix: str, **values: Any) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = _encode(value)


def _errors(response: Any) -> list[str]:
    """Every error message on a re-shown admin form, its inlines included."""
    forms = [response.context["adminform"].form]
    messages: list[str] = []
    for inline in response.context["inline_admin_formsets"]:
        messages.extend(inline.formset.non_form_errors())
        forms.extend(inline.formset.forms)
    for form in forms:
        for field_errors in form.errors.values():
            messages.extend(field_errors)
    return messages


def _school_page(client: Client, school: School) -> tuple[str, dict[str, Any]]:
    url = _url(School, "change", school.pk)
    response = client.get(url)
    assert response.status_code == 200
    return url, _form_data(response)


@pytest.fixture
def one_of_each(school: School, admin_user: Any) -> None:
    """At least one row of every model the admin shows."""
    pupil = PupilFactory()
    EnrolmentFactory(pupil=pupil, school=school)
    group = RegistrationGroupFactory(school=school, name="4A")
    GroupMembershipFactory(group=group, pupil=pupil)
    PupilContactFactory(pupil=pupil, contact=ContactFactory())
    MembershipFactory(user=UserFactory(), school=school)
    Closure.objects.create(school=school, date=date(2025, 11, 14), session="PM", reason="INSET")
    mark = MarkFactory(pupil=pupil, school=school, code_id="N")
    Amendment.objects.create(
        mark=mark,
        original_code_id="N",
        new_code_id="/",
        reason="Signed in late at the office",
        amended_at=timezone.now(),
        amended_by=admin_user,
        amended_by_name="Olive Office",
        amended_by_position="Office manager",
    )
    Group.objects.create(name="Office staff")
    # An authenticator app (issue #21: administrators remove one a person has lost).
    TOTPDevice.objects.create(user=admin_user, name="Authenticator app", confirmed=True)
    _one_of_each_record(school, pupil, group, mark, admin_user)


def _one_of_each_record(
    school: School, pupil: Pupil, group: RegistrationGroup, mark: Mark, user: Any
) -> None:
    """The registers taken, the office's follow-up and the penalty-notice work: a row each."""
    now = timezone.now()
    day = mark.date
    Register.objects.create(
        school=school,
        group=group,
        date=day,
        session=mark.session,
        taken_by=user,
        taken_at=now,
        last_saved_by=user,
        last_saved_at=now,
    )
    late_mark = MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 9), code_id="L")
    LateArrival.objects.create(
        pupil=pupil,
        school=school,
        date=late_mark.date,
        session=late_mark.session,
        arrived_at=time(9, 20),
        reason="Car broke down",
        mark=late_mark,
        recorded_by=user,
        recorded_at=now,
    )
    call = ParentCall.objects.create(
        school=school,
        pupil=pupil,
        contact_name="Mona Parent",
        direction="they_rang",
        outcome="reached",
        reason_given="Sickness bug",
        called_at=now,
        recorded_by=user,
    )
    ReportedAbsence.objects.create(
        school=school,
        pupil=pupil,
        first_day=date(2025, 9, 10),
        last_day=date(2025, 9, 10),
        code_id="I",
        reason="Sickness bug",
        call=call,
        logged_by=user,
        logged_at=now,
    )
    SafeguardingFlag.objects.create(
        school=school, pupil=pupil, raised_on=day, raised_at=now, raised_by=user
    )
    MedicalEvidenceRequest.objects.create(
        school=school,
        pupil=pupil,
        first_day=date(2025, 9, 15),
        last_day=date(2025, 9, 22),
        requested_on=date(2025, 9, 23),
        requested_by=user,
    )
    LeaveRequest.objects.create(
        school=school,
        pupil=pupil,
        first_day=date(2025, 10, 6),
        last_day=date(2025, 10, 6),
        category="J1",
        reason="Interview for a stage school",
        received_on=date(2025, 9, 10),
        recorded_by=user,
        recorded_at=now,
    )
    timetable = PartTimeTimetable.objects.create(
        school=school,
        pupil=pupil,
        start=date(2025, 9, 8),
        end=date(2025, 10, 17),
        sessions_off=["Fri PM"],
        reason="Phased return after an operation",
        agreed_by=user,
        agreed_at=now,
    )
    TimetableReview.objects.create(timetable=timetable, due_on=date(2025, 9, 26))
    OverdueNFlag.objects.create(school=school, mark=mark, flagged_on=date(2025, 11, 3))
    case = ThresholdCase.objects.create(
        school=school,
        pupil=pupil,
        window_start=date(2025, 9, 3),
        window_end=date(2025, 11, 14),
        sessions=10,
        evidence=[],
        opened_on=date(2025, 11, 14),
        opened_at=now,
        route="notice_to_improve",
    )
    SupportOffered.objects.create(
        case=case,
        what="Meeting with the attendance lead",
        offered_on=date(2025, 11, 17),
        engaged=False,
        recorded_by=user,
        recorded_at=now,
    )
    CaseDecision.objects.create(
        case=case,
        route="notice_to_improve",
        reason="Support offered and not taken up",
        decided_by=user,
        decided_at=now,
    )
    NoticeToImprove.objects.create(
        case=case,
        improvement_start=date(2025, 12, 1),
        improvement_end=date(2026, 2, 27),
        target_percent=Decimal("95.00"),
        sufficient_improvement="No unauthorised absence",
        support_so_far="Meeting with the attendance lead",
        further_support="Weekly check-in",
        early_notice_grounds="None",
        issued_by=user,
        issued_at=now,
    )
    PenaltyNotice.objects.create(
        school=school,
        pupil=pupil,
        parent=ContactFactory(),
        case=case,
        kind="national",
        sequence=1,
        issued_on=date(2026, 3, 2),
        served_by="hand",
        received_on=date(2026, 3, 2),
        reduced_amount=Decimal(80),
        reduced_due_on=date(2026, 3, 23),
        full_amount=Decimal(160),
        full_due_on=date(2026, 3, 30),
        recorded_by=user,
        recorded_at=now,
    )
    LadderStep.objects.create(
        school=school,
        pupil=pupil,
        step=2,
        academic_year=2025,
        crossed_on=date(2025, 11, 21),
        attendance_pct=Decimal("92.00"),
        threshold_pct=Decimal("93.00"),
        possible=100,
        attended=92,
    )
    LadderLetter.objects.create(
        school=school,
        pupil=pupil,
        kind="absence",
        half_term_start=date(2025, 11, 1),
        half_term_end=date(2025, 12, 19),
        period_start=date(2025, 9, 3),
        as_of=date(2025, 11, 21),
        possible=100,
        attended=92,
        authorised=5,
        unauthorised=3,
        attendance_pct=Decimal("92.00"),
        requested_by=user,
        requested_at=now,
    )
    _one_of_each_since_issue_6(school, pupil, group, mark, user)


def _one_of_each_since_issue_6(
    school: School, pupil: Pupil, group: RegistrationGroup, mark: Mark, user: Any
) -> None:
    """Reminders, parents' reports and first-day messages, the disclosure and retention logs,
    API tokens and the sign-in lockout's records."""
    now = timezone.now()
    RegisterReminder.objects.create(
        school=school, group=group, date=mark.date, session=mark.session, sent_at=now
    )
    ParentReport.objects.create(
        school=school,
        pupil=pupil,
        first_day=date(2025, 11, 17),
        last_day=date(2025, 11, 17),
        contact=ContactFactory(),
        kind="illness",
        submitted_at=now,
        submitted_by=user,
    )
    FirstDayMessage.objects.create(school=school, pupil=pupil, date=mark.date, claimed_at=now)
    OutboxMessage.objects.create(
        school=school,
        kind=MessageKind.REGISTER_REMINDERS,
        about_id=1,
        key="admin-test",
        description="Register reminders",
        created_at=now,
        next_attempt_at=now,
    )
    ThresholdCheck.objects.create(school=school, as_of=mark.date, finished_at=now)
    AccessLog.objects.create(user=user, school=school, what="census export, term 1", at=now)
    RetentionRun.objects.create(
        federation=school.federation,
        ran_at=now,
        dry_run=True,
        cutoff=date(2019, 8, 1),
        counts={"marks": 0},
    )
    Token.objects.create(user=user)
    AccessAttempt.objects.create(
        username="someone", ip_address="127.0.0.1", user_agent="test", failures_since_start=1
    )
    AccessFailureLog.objects.create(
        username="someone", ip_address="127.0.0.1", user_agent="test", attempt_time=now
    )
    AxesAccessLog.objects.create(
        username="someone", ip_address="127.0.0.1", user_agent="test", attempt_time=now
    )


def test_the_admin_configuration_passes_djangos_checks() -> None:
    # autocomplete_fields need a searchable admin on the other side; a typo shows here.
    assert checks.run_checks(tags=[checks.Tags.admin]) == []


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_every_changelist_lists_its_rows(
    admin_client: Client, one_of_each: None, model: type[Model], model_admin: Any
) -> None:
    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_every_add_page_opens_unless_adding_is_refused(
    admin_client: Client, rf: Any, admin_user: Any, model: type[Model], model_admin: Any
) -> None:
    request = rf.get("/")
    request.user = admin_user

    response = admin_client.get(_url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_every_change_page_shows_its_object(
    admin_client: Client, one_of_each: None, model: type[Model], model_admin: Any
) -> None:
    obj = model._default_manager.first()
    assert obj is not None, f"give {model._meta.label} a row in the one_of_each fixture"

    response = admin_client.get(_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj


def test_a_federation_with_thresholds_out_of_step_is_refused(admin_client: Client) -> None:
    # Policy: the ladder runs conversation (95%) above letter (93%) above meeting (90%).
    response = admin_client.get(_url(Federation, "add"))
    data = _form_data(response)
    data.update(name="Step Federation", letter_threshold_pct="96")

    response = admin_client.post(_url(Federation, "add"), data)

    assert response.status_code == 200
    assert any("must fall step by step" in message for message in _errors(response))
    assert not Federation.objects.filter(name="Step Federation").exists()


def test_a_pupil_with_a_wrong_check_letter_is_refused_and_not_saved(
    admin_client: Client,
) -> None:
    # A UPN's first character is a check letter computed from the other twelve.
    good = make_upn(7)
    wrong_letter = ("A" if good[0] != "A" else "B") + good[1:]
    data = _form_data(admin_client.get(_url(Pupil, "add")))
    data.update(
        upn=wrong_letter,
        legal_forename="Alex",
        legal_surname="Checkletter",
        date_of_birth="2017-05-01",
        year_group="4",
    )

    response = admin_client.post(_url(Pupil, "add"), data)

    assert response.status_code == 200
    assert f"Invalid UPN: the check letter does not match (expected {good[0]})." in _errors(
        response
    )
    assert not Pupil.objects.exists()


def test_a_pupil_with_sen_support_and_an_ehc_plan_is_refused(admin_client: Client) -> None:
    pupil = PupilFactory()
    url = _url(Pupil, "change", pupil.pk)
    data = _form_data(admin_client.get(url))
    data.update(sen_support="on", ehc_plan="on")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    # The model's own words, once, without Django's "Constraint ... is violated." beside them.
    assert _errors(response) == [
        "A pupil with an EHC plan is recorded as 'EHC plan', not also 'SEN support'."
    ]
    pupil.refresh_from_db()
    assert not pupil.sen_support and not pupil.ehc_plan


def test_an_enrolment_leaving_before_it_starts_is_refused(
    admin_client: Client, school: School
) -> None:
    pupil = PupilFactory()
    url = _url(Pupil, "change", pupil.pk)
    data = _form_data(admin_client.get(url))
    _add_row(
        data,
        "enrolments",
        school=school.pk,
        registration_type="C",
        start_date=date(2025, 9, 3),
        leaving_date=date(2025, 9, 1),
        leaving_reason="9(1)(f)",
        destination="Somewhere Primary",
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert _errors(response) == ["The leaving day is before the starting day."]
    assert not Enrolment.objects.exists()


def test_session_times_out_of_order_are_refused(admin_client: Client, school: School) -> None:
    url, data = _school_page(admin_client, school)
    data["session_times-0-pm_register_opens"] = "09:00"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "'PM register opens' (09:00) must be after 'AM register closes' (09:15)" in _errors(
        response
    )
    assert SessionTimes.objects.get(school=school).pm_register_opens == time(13, 15)


def test_a_register_open_35_minutes_is_refused(admin_client: Client, school: School) -> None:
    # 2024 regulations: a register may stay open for at most 30 minutes.
    url, data = _school_page(admin_client, school)
    data["session_times-0-am_register_closes"] = "09:20"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert (
        "The AM register is open from 08:45 to 09:20; "
        "a register may stay open for at most 30 minutes." in _errors(response)
    )
    assert SessionTimes.objects.get(school=school).am_register_closes == time(9, 15)


def test_a_school_keeps_at_least_one_row_of_session_times(
    admin_client: Client, school: School
) -> None:
    url, data = _school_page(admin_client, school)
    data["session_times-0-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Give the school's session times: at least one row." in _errors(response)
    assert SessionTimes.objects.filter(school=school).exists()


def test_a_year_group_in_two_phases_is_refused(admin_client: Client, school: School) -> None:
    # Each phase keeps its own day (Lord Scudamore), so a year group can follow only one.
    url, data = _school_page(admin_client, school)
    _add_row(
        data,
        "session_times",
        phase="Reception",
        year_groups=["R"],
        am_start="08:50",
        am_register_closes="09:05",
        pm_register_opens="13:15",
        pm_register_closes="13:20",
        end_of_day="15:05",
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert (
        "Year group R is in both 'Whole school' and 'Reception': "
        "each year group keeps the times of one phase." in _errors(response)
    )
    assert SessionTimes.objects.filter(school=school).count() == 1


def test_overlapping_terms_are_refused(admin_client: Client, school: School) -> None:
    url, data = _school_page(admin_client, school)
    _add_row(data, "terms", name="Spring 2026", start=date(2025, 12, 15), end=date(2026, 3, 27))

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert (
        "The terms 'Autumn 2025' (Wed 3 Sep 2025 to Fri 19 Dec 2025) and 'Spring 2026' "
        "(Mon 15 Dec 2025 to Fri 27 Mar 2026) overlap: a day can be in only one term."
        in _errors(response)
    )
    assert Term.objects.filter(school=school).count() == 1


def test_adding_a_closure_rebuilds_the_school_days(admin_client: Client, school: School) -> None:
    inset_day = date(2025, 11, 14)
    assert SchoolDay.objects.filter(school=school, date=inset_day).exists()
    url, data = _school_page(admin_client, school)
    _add_row(data, "closures", date=inset_day, session="AM", reason="INSET")
    _add_row(data, "closures", date=inset_day, session="PM", reason="INSET")

    response = admin_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    assert Closure.objects.filter(school=school, date=inset_day).count() == 2
    assert not SchoolDay.objects.filter(school=school, date=inset_day).exists()


def test_closing_one_session_leaves_the_other(admin_client: Client, school: School) -> None:
    polling_day = date(2025, 11, 13)
    url, data = _school_page(admin_client, school)
    _add_row(data, "closures", date=polling_day, session="AM", reason="Polling station")

    response = admin_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    day = SchoolDay.objects.get(school=school, date=polling_day)
    assert (day.am, day.pm) == (False, True)


def test_a_new_school_with_its_calendar_gets_its_school_days(admin_client: Client) -> None:
    federation = Federation.objects.create(name="New Federation")
    data = _form_data(admin_client.get(_url(School, "add")))
    data.update(federation=federation.pk, urn="123456", la_code="884", name="New Primary")
    data.update(
        {
            "session_times-0-phase": "Whole school",
            "session_times-0-year_groups": ["2", "R", "1"],
            "session_times-0-am_start": "08:50",
            "session_times-0-am_register_closes": "09:05",
            "session_times-0-pm_register_opens": "13:15",
            "session_times-0-pm_register_closes": "13:20",
            "session_times-0-end_of_day": "15:15",
        }
    )
    _add_row(data, "terms", name="Spring 2026", start=date(2026, 1, 5), end=date(2026, 3, 27))
    _add_row(data, "closures", date=date(2026, 1, 5), session="AM", reason="INSET")

    response = admin_client.post(_url(School, "add"), data)

    assert response.status_code == 302, _errors(response)
    school = School.objects.get(urn="123456")
    first_day = SchoolDay.objects.filter(school=school).first()
    assert (first_day.date, first_day.am, first_day.pm) == (date(2026, 1, 5), False, True)
    assert school.session_times.get().year_groups == ["R", "1", "2"]


def test_a_closure_outside_every_term_is_refused(admin_client: Client, school: School) -> None:
    url, data = _school_page(admin_client, school)
    _add_row(data, "closures", date=date(2026, 1, 5), session="AM", reason="INSET")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert (
        "Mon 5 Jan 2026 is not in any of the school's terms, so there is no session to close. "
        "Check the date, or add the term first." in _errors(response)
    )
    assert not Closure.objects.exists()


def test_a_closure_in_a_term_added_on_the_same_page_is_accepted(
    admin_client: Client, school: School
) -> None:
    url, data = _school_page(admin_client, school)
    _add_row(data, "terms", name="Spring 2026", start=date(2026, 1, 5), end=date(2026, 3, 27))
    _add_row(data, "closures", date=date(2026, 1, 5), session="AM", reason="INSET")
    _add_row(data, "closures", date=date(2026, 1, 5), session="PM", reason="INSET")

    response = admin_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    assert not SchoolDay.objects.filter(school=school, date=date(2026, 1, 5)).exists()
    assert SchoolDay.objects.filter(school=school, date=date(2026, 1, 6)).exists()


def test_deleting_the_term_of_a_closure_is_refused(admin_client: Client, school: School) -> None:
    Closure.objects.create(school=school, date=date(2025, 11, 14), session="AM", reason="INSET")
    url, data = _school_page(admin_client, school)
    data["terms-0-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert any("Fri 14 Nov 2025 is not in any" in message for message in _errors(response))
    assert Term.objects.filter(school=school).exists()


def test_the_same_closure_twice_is_refused(admin_client: Client, school: School) -> None:
    Closure.objects.create(school=school, date=date(2025, 11, 14), session="AM", reason="INSET")
    url, data = _school_page(admin_client, school)
    _add_row(data, "closures", date=date(2025, 11, 14), session="AM", reason="Training")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert _errors(response) == [
        "Fri 14 Nov 2025 AM is closed twice: list each closed session once."
    ]
    assert Closure.objects.get(school=school).reason == "INSET"


def test_a_school_day_lists_its_school_week(admin_client: Client, school: School) -> None:
    # Half term (27-31 October) is skipped: the week after it is school week 9, not 10.
    response = admin_client.get(_url(SchoolDay, "changelist"), {"date": "2025-11-03"})

    rows = list(response.context["cl"].result_list)
    assert [(day.date, day.week_number) for day in rows] == [(date(2025, 11, 3), 9)]
    assert "Week number" in response.content.decode()


def _values(obj: Model) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


VIEW_ONLY = [
    Mark,
    Amendment,
    AttendanceCode,
    SchoolDay,
    Register,
    LateArrival,
    ParentCall,
    ReportedAbsence,
    SafeguardingFlag,
    MedicalEvidenceRequest,
    LeaveRequest,
    PartTimeTimetable,
    OverdueNFlag,
    ThresholdCase,
    NoticeToImprove,
    PenaltyNotice,
    LadderStep,
    LadderLetter,
]


@pytest.mark.parametrize("model", VIEW_ONLY, ids=[model._meta.label for model in VIEW_ONLY])
def test_view_only_records_cannot_be_added_changed_or_deleted(
    admin_client: Client, one_of_each: None, model: type[Model]
) -> None:
    # The register is a legal record: changed only through an amendment that keeps the original.
    obj = model._default_manager.first()
    before = _values(obj)
    changelist = admin_client.get(_url(model, "changelist"))

    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.get(_url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert changelist.context["action_form"] is None  # no actions, so no "delete selected"
    obj.refresh_from_db()
    assert _values(obj) == before


def _changelist_queries(client: Client, model: type[Model]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(model, "changelist")).status_code == 200
    return len(queries)


def _amended_mark(school: School, user: Any, day: date) -> None:
    mark = MarkFactory(school=school, date=day, code_id="N")
    Amendment.objects.create(
        mark=mark,
        original_code_id="N",
        new_code_id="I",
        reason="Parent rang: illness",
        amended_at=timezone.now(),
        amended_by=user,
        amended_by_name="Olive Office",
        amended_by_position="Office manager",
    )


@pytest.mark.parametrize("model", [Mark, Amendment])
def test_the_register_changelists_do_not_query_per_row(
    admin_client: Client, admin_user: Any, school: School, model: type[Model]
) -> None:
    _amended_mark(school, admin_user, date(2025, 9, 8))
    one_row = _changelist_queries(admin_client, model)
    for day in (date(2025, 9, 9), date(2025, 9, 10), date(2025, 9, 11)):
        _amended_mark(school, admin_user, day)

    assert _changelist_queries(admin_client, model) == one_row


def test_a_mark_is_found_by_its_pupils_upn(admin_client: Client, school: School) -> None:
    wanted = MarkFactory(school=school)
    MarkFactory(school=school)

    response = admin_client.get(_url(Mark, "changelist"), {"q": wanted.pupil.upn})

    assert list(response.context["cl"].result_list) == [wanted]


def test_a_staff_members_schools_are_on_their_user_page(admin_client: Client, office: Any) -> None:
    response = admin_client.get(_url(type(office), "change", office.pk))

    [memberships] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "memberships"
    ]
    assert [form.instance.position for form in memberships.forms] == ["Office manager"]


@pytest.mark.parametrize("model", VIEW_ONLY[4:], ids=[model._meta.label for model in VIEW_ONLY[4:]])
def test_the_records_are_found_by_the_pupils_upn(
    admin_client: Client, one_of_each: None, model: type[Model]
) -> None:
    upn = Pupil.objects.get().upn
    url = _url(model, "changelist")

    found = admin_client.get(url, {"q": upn}).context["cl"].result_list
    missed = admin_client.get(url, {"q": make_upn(999)}).context["cl"].result_list

    assert list(found) == list(model._default_manager.all())
    assert list(missed) == []
