"""The five outcomes and the exceptions that produce them.

A case ends in exactly one outcome, and the outcome says who is to blame:

- `pass`  — the subject met the requirement.
- `fail`  — the subject broke the requirement (`Deviation`, an AssertionError).
- `error` — the harness, the adapter or the subject crashed or hung (`HarnessError`, any other
  exception, a missed deadline). Never counted as a verdict on the requirement.
- `n/a`   — the subject lacks a capability the case needs (`NotApplicable`), with the reason.
- `known` — the subject deviates as its declaration says it does, with the reason.
"""

from __future__ import annotations

from enum import Enum

import pytest


class Outcome(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NA = "n/a"
    KNOWN = "known"


class Deviation(AssertionError):
    """The subject's behaviour differs from what the requirement demands.

    `violated` names the requirements actually broken when they are not the case's own (SPEC.md
    "Levels": a verdict counts at the level of what broke, e.g. a 5xx where a refusal was due
    breaks how refusals are answered, not token verification)."""

    def __init__(self, message: str = "", violated: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.violated = tuple(violated)


class HarnessError(Exception):
    """The harness or an adapter could not do its part (build, serve, reach the subject)."""


class NotApplicable(pytest.skip.Exception):  # type: ignore[name-defined]
    """The subject cannot express what the case needs; the message is the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"n/a: {reason}", allow_module_level=False)
        self.reason = reason
