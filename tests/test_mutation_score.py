"""Detection power: each area's suite kills every mutant of tests/mutants/<area>.py, and every case of
the suite kills at least one (else nothing shows it can catch anything). Each mutant meets the cases
it declares it `breaks` (tests/mutants/targeted.py). The score is printed at the end of the test run
(tests/conftest.py); `python bench/mutation_score.py [--all]` prints it on its own."""

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from bench.mutation_score import areas, measure


@pytest.mark.parametrize("area", areas())
def test_every_mutant_is_killed_and_every_case_kills_one(area: str, tmp_path: Path, record_property: Callable[[str, Any], None]) -> None:
    result = measure(area, tmp_path)
    record_property("mutation_score", {**asdict(result), "verdicts": [[s, c, o] for (s, c), o in result.verdicts.items()]})
    assert not result.unknown_targets, f"`breaks` names cases the {area} suite does not have: {result.unknown_targets}"
    assert not result.errors, f"harness errors instead of verdicts: {result.errors}"
    assert not result.survivors, f"mutants the {area} suite does not catch: {result.survivors}"
    assert not result.idle_cases, f"cases that fail no mutant: {result.idle_cases}"
