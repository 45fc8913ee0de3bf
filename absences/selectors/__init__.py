"""Reads of the absences app, by area: `expected` (codes the register fills in), `followup`,
`leave`, `timetables`, `office` (the today page and safeguarding), `parents`, `la_returns` and
`pupils`."""
