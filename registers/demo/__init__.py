"""Demo data for `make run`: both shipped federations, made-up people, a half term of marks.

Nothing here is real: names come from short built-in lists, phone numbers from Ofcom's drama
ranges, e-mail addresses from example.org. The same data every time (a fixed random seed, no
clock), so a demo can be scripted and a test can check it.
"""

from .plan import DemoLogin, DemoPlan, demo_plan
from .seed import (
    DEMO_PASSWORD,
    DemoDataRefused,
    DemoResult,
    DemoSignIns,
    demo_database_has_data,
    demo_federations,
    demo_seed,
    demo_sign_ins,
)

__all__ = [
    "DEMO_PASSWORD",
    "DemoDataRefused",
    "DemoLogin",
    "DemoPlan",
    "DemoResult",
    "DemoSignIns",
    "demo_database_has_data",
    "demo_federations",
    "demo_plan",
    "demo_seed",
    "demo_sign_ins",
]
