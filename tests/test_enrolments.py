"""The admission register: dual registration and leavers with no known destination."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_sessions_at_another_school_are_a_weekly_pattern_for_dual_registration_only(school):
    enrolment = EnrolmentFactory(school=school, other_school_sessions=["Mon PM"])
    with pytest.raises(ValidationError, match="for a dual-registered pupil"):
        enrolment.full_clean()
    enrolment.registration_type = "M"
    enrolment.full_clean()
    enrolment.other_school_sessions = ["Sat AM", "Mon PM"]
    with pytest.raises(ValidationError, match="Not a weekly session: Sat AM"):
        enrolment.full_clean()


def test_a_leaver_with_no_known_destination_is_a_possible_child_missing_education(school):
    # Fact sheet: leaving with no known destination makes the pupil a possible child missing
    # education, which the school must report to the local authority.
    enrolment = EnrolmentFactory(
        school=school, leaving_date=date(2025, 10, 1), leaving_reason="9(1)(f)", destination=""
    )
    assert enrolment.possible_child_missing_education
    enrolment.destination = "Kington Primary School"
    assert not enrolment.possible_child_missing_education
    assert not EnrolmentFactory(school=school).possible_child_missing_education


def test_a_leaving_day_needs_a_statutory_ground_and_cannot_precede_the_starting_day(school):
    enrolment = EnrolmentFactory.build(school=school, pupil=EnrolmentFactory().pupil)
    enrolment.leaving_date = date(2025, 10, 1)
    with pytest.raises(ValidationError, match="Give the ground for deleting the pupil"):
        enrolment.full_clean()
    enrolment.leaving_reason, enrolment.leaving_date = "9(1)(f)", date(2020, 1, 1)
    with pytest.raises(ValidationError, match="The leaving day is before the starting day"):
        enrolment.full_clean()
