"""Reads of the absences app, by area: `expected` (codes the register fills in), `followup`,
`leave`, `timetables`, `office` (the today page and safeguarding) and `pupils`.

`expected_codes` is exported here because the register (`registers.selectors`) asks for it.
"""

from absences.selectors.expected import ExpectedCode, expected_codes

__all__ = ["ExpectedCode", "expected_codes"]
