"""Differential properties: generated scenarios on a subject against the reference, shrunk on failure.

Where the pipeline suite checks the situations its authors imagined, this suite draws whole
scenarios (global and route-local chains of probes with random phases and actions, random
routes, routed, unmatched and wrong-method requests) with hypothesis and asks the subject and the
reference to agree on each. The example budget is a hypothesis profile (`budgets.py`):
`--hypothesis-profile=mwc-deep` for long runs.
"""
