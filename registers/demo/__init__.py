"""Demo data for `make run`: both shipped federations, made-up people, and their registers from
the start of last school year to this morning of the demo's day.

Nothing here is real: names come from short built-in lists, phone numbers from Ofcom's drama
ranges, e-mail addresses from example.org. The same data for the same day (fixed random seeds,
no clock but the day given), so a demo can be scripted and a test can check it.
"""

from .plan import DemoLogin, DemoPlan, demo_plan
from .seed import (
    DEMO_PASSWORD,
    DemoDataRefused,
    DemoDay,
    DemoResult,
    DemoSignIns,
    demo_configs,
    demo_database_has_data,
    demo_day,
    demo_federations,
    demo_problem,
    demo_seed,
    demo_sign_ins,
)

__all__ = [
    "DEMO_PASSWORD",
    "DemoDataRefused",
    "DemoDay",
    "DemoLogin",
    "DemoPlan",
    "DemoResult",
    "DemoSignIns",
    "demo_configs",
    "demo_database_has_data",
    "demo_day",
    "demo_federations",
    "demo_plan",
    "demo_problem",
    "demo_seed",
    "demo_sign_ins",
]
