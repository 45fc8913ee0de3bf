"""Compulsory school age (Education Act 1996, s.8), the one definition every rule asks.

A child is of compulsory school age from the beginning of the first prescribed day on or after
their fifth birthday, the prescribed days being 31 August, 31 December and 31 March (the
Education (Start of Compulsory School Age) Order 1998), to the end of the school leaving date of
the school year in which they turn 16: the last Friday in June (the Education (School Leaving
Date) Order 1997). Both days are included. A school year runs from September: a child who turns
16 on any day from 1 September to the following 31 August leaves at the end of June within it.

The penalty-notice threshold, notices, the part-time-timetable code (`C2`) and the
non-compulsory-school-age code (`X`) and the returns to the local authority apply the law only
to sessions on which the pupil was of compulsory school age. Reception pupils therefore come
under the threshold mid-year, from their prescribed day.
"""

from datetime import date, timedelta

from registers.lib.calendar import years_after

# (month, day) of the prescribed days, in calendar order.
PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))
FRIDAY = 4


def compulsory_school_age_start(born: date) -> date:
    """The first prescribed day on or after the fifth birthday."""
    fifth_birthday = years_after(born, 5)
    return min(
        prescribed
        for year in (fifth_birthday.year, fifth_birthday.year + 1)
        for month, day in PRESCRIBED_DAYS
        if (prescribed := date(year, month, day)) >= fifth_birthday
    )


def compulsory_school_age_end(born: date) -> date:
    """The last Friday in June of the school year (September to August) in which the child
    turns 16."""
    sixteenth_birthday = years_after(born, 16)
    june_of = sixteenth_birthday.year + (1 if sixteenth_birthday.month >= 9 else 0)
    last_of_june = date(june_of, 6, 30)
    return last_of_june - timedelta(days=(last_of_june.weekday() - FRIDAY) % 7)


def of_compulsory_school_age(born: date, day: date) -> bool:
    return compulsory_school_age_start(born) <= day <= compulsory_school_age_end(born)


def compulsory_school_age_problem(born: date, day: date) -> str | None:
    """Why a child born on `born` is not of compulsory school age on `day`, or None if they
    are: the reason quoted when a rule for such pupils is refused."""
    start, end = compulsory_school_age_start(born), compulsory_school_age_end(born)
    if day < start:
        return f"below compulsory school age until {start:%-d %B %Y}"
    if day > end:
        return f"past compulsory school age, which ended on {end:%-d %B %Y}"
    return None
