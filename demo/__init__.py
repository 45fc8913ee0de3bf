"""Demo data for `make run`: both shipped federations, made-up people, and their registers from
the start of last school year to this morning of the demo's day.

Nothing here is real: names come from short built-in lists, phone numbers from Ofcom's drama
ranges, e-mail addresses from example.org. The same data for the same day (fixed random seeds,
no clock but the day given), so a demo can be scripted and a test can check it.
"""
