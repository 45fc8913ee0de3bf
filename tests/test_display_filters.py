"""How dates and percentages read on every page (issue #22: "dates as 'Fri 5 Sep 2025 AM' and
percentages to one place everywhere"), from the builtin filters of registers/templatetags."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import engines

from registers.templatetags.display import day, pct, session_day


def test_a_session_reads_day_date_month_year_and_session():
    assert session_day(date(2025, 9, 5), "AM") == "Fri 5 Sep 2025 AM"
    assert day(date(2025, 12, 25)) == "Thu 25 Dec 2025"
    assert session_day(None, "AM") == ""


def test_a_moment_is_dated_in_the_schools_time_zone():
    # 23:30 UTC on 5 September is 00:30 on the 6th in London (summer time).
    assert day(datetime(2025, 9, 5, 23, 30, tzinfo=ZoneInfo("UTC"))) == "Sat 6 Sep 2025"


def test_percentages_have_one_decimal_place_and_no_figure_is_a_dash():
    assert pct(Decimal("95.00")) == "95.0%"
    assert pct(Decimal("66.666")) == "66.7%"
    assert pct(Decimal("92.25")) == "92.3%"  # half up
    assert pct(None) == "–"


def test_the_filters_need_no_load_tag():
    template = engines["django"].from_string("{{ d|session_day:'PM' }} {{ p|pct }}")
    assert template.render({"d": date(2025, 9, 5), "p": 95}) == "Fri 5 Sep 2025 PM 95.0%"
