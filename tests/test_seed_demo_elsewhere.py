"""`seed_demo --if-empty` on a database that is not the demo (the demo seed is not loaded here)."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_a_database_of_other_data_is_left_alone_and_gets_no_demo_sign_ins(school):
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert out.getvalue() == "Demo data not loaded: the database already has data.\n"
