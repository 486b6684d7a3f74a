"""The cors suite against deliberately broken CORS middlewares: every one must be caught."""

from pathlib import Path

from tests.mutants.cors import MUTANTS
from tests.selftest import outcomes, run_suite


def test_every_cors_mutant_is_killed_and_every_case_kills_one(tmp_path: Path) -> None:
    """The unbroken reference passes every case; each mutant fails at least one case, no case errors,
    and each case fails at least one mutant."""
    subjects = ["reference/cors", *(f"tests.mutants.cors:{m.__name__}" for m in MUTANTS)]
    results = run_suite("cors", subjects, tmp_path, "--mwc-mode=inprocess")
    verdicts = outcomes(results)
    control = {c: o for (s, c), o in verdicts.items() if s == "reference/cors"}
    assert control and set(control.values()) == {"pass"}, f"the unbroken reference does not pass: {control}"
    errors = [f"{s} {c}" for (s, c), o in verdicts.items() if o == "error"]
    assert not errors, f"harness errors instead of verdicts: {errors}"
    survivors = [m.name for m in MUTANTS if not any(o == "fail" for (s, _), o in verdicts.items() if s == m.name)]
    assert not survivors, f"mutants the cors suite does not catch: {survivors}"
    cases = {c for _, c in verdicts}
    idle = sorted(c for c in cases if not any(o == "fail" for (_, cc), o in verdicts.items() if cc == c))
    assert not idle, f"cases that fail no mutant (cannot be shown to catch anything): {idle}"
