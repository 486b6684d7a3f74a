"""Prints the mutation score that tests/test_mutation_score.py measured, at the end of the run, so CI
output shows it (the measurement travels in the report's user properties, so it survives xdist)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from bench.mutation_score import Area, score

_AREAS: list[Area] = []

# The tests start many child interpreters (suite runs, the CLI, mutation runs). Where the
# environment forbids bytecode (PYTHONDONTWRITEBYTECODE, set in the machines this project is developed on) each
# one recompiled every mwconform module and pytest re-rewrote its asserts: 18% of test_cli.py's
# CPU. Children of the test run may cache bytecode, as Python does by default.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == "mutation_score" and report.when == "call":
            _AREAS.append(Area(value["name"], value["mutants"], value["cases"], value["unknown_targets"], {(s, c): o for s, c, o in value["verdicts"]}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _AREAS:
        terminalreporter.section("mutation score")
        for line in score(sorted(_AREAS, key=lambda a: a.name)).splitlines():
            terminalreporter.write_line(line)
