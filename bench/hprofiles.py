"""A pytest plugin (`-p bench.hprofiles`) registering the CI profile at 2× and 4× its examples,
so the growth bench can scale the hypothesis workload without touching the suites."""

from hypothesis import settings

from mwconform.suites.properties.budgets import CI, register

register()
for factor in (1, 2, 4):
    settings.register_profile(f"mwc-bench-x{factor}", settings.get_profile(CI), max_examples=settings.get_profile(CI).max_examples * factor)
