"""How many examples a property case tries: hypothesis profiles registered by mwconform.

- `mwc-ci` (the default for property cases): 30 examples per case and subject, derandomized, so
  CI stays short and a red run replays exactly with the same command; state machines (the session
  machine) take at most 10 steps per example.
- `mwc-deep` (`pytest ... --hypothesis-profile=mwc-deep`): 1000 random examples per case and
  subject, of up to 50 steps each for state machines, for long runs; a failure names the
  `--hypothesis-seed` that replays it.

Any other profile given with `--hypothesis-profile` is used as is. No example database is
written: a suite run in someone's CI leaves no `.hypothesis/` folder behind.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

CI, DEEP = "mwc-ci", "mwc-deep"

_COMMON: dict[str, Any] = dict(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
    # No explain phase: it traces every line the subject runs, which makes each example ~20x slower.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)


def register() -> None:
    """Register the profiles (idempotent); the plugin calls this before hypothesis loads one."""
    settings.register_profile(CI, max_examples=30, stateful_step_count=10, derandomize=True, **_COMMON)
    settings.register_profile(DEEP, max_examples=1000, stateful_step_count=50, derandomize=False, **_COMMON)


def chosen(config: pytest.Config) -> settings:
    """The profile a property case runs under: the one asked for, else `mwc-ci`."""
    if config.getoption("hypothesis_profile", None):
        return settings()  # the loaded profile, via hypothesis' own pytest option
    return settings.get_profile(CI)
