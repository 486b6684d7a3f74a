"""What every suite case declares: a stable id, its whole input as a title, what it checks.

Cases are data; a suite's test function runs them. `Case.param()` turns one into a pytest
parameter carrying the `mwc_case` marker, which is how the plugin finds the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from . import spec


@dataclass(frozen=True)
class Case:
    #: Stable slug, unique within its suite; known deviations and reports refer to it.
    id: str
    #: The whole input in a few words, e.g. "A, B, C around GET /ok".
    title: str
    #: SPEC.md requirement ids the case checks.
    requirements: tuple[str, ...]
    #: The expected behaviour in one or two sentences (Autobahn-style expectation text).
    expect: str
    #: Capabilities (adapters.base.CAPABILITIES) the subject must have, else the case is n/a.
    needs: frozenset[str] = field(default_factory=frozenset)
    #: Seconds rather than milliseconds: a search (hypothesis examples) or a real wait. Under
    #: `--dist worksteal` slow cases run first, so parallel workers end together (plugin.py).
    slow: bool = False

    def __post_init__(self) -> None:
        unknown = [r for r in self.requirements if r not in spec.requirements()]
        if unknown:
            raise ValueError(f"case {self.id}: requirement(s) {', '.join(unknown)} are not in SPEC.md")

    @property
    def level(self) -> str:
        return spec.strongest(self.requirements)

    def param(self) -> Any:
        """This case as a pytest parameter: its id names the test, the marker carries the declaration."""
        return pytest.param(self, id=self.id, marks=pytest.mark.mwc_case(self))
