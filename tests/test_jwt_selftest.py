"""The jwt suite against deliberately broken JWT middlewares: every one must be caught."""

from pathlib import Path

from tests.mutants.jwt import MUTANTS
from tests.selftest import outcomes, run_suite


def test_every_jwt_mutant_is_killed_and_every_case_kills_one(tmp_path: Path) -> None:
    """The reference passes every case; each mutant fails at least one; each case fails at least one mutant; nothing errors."""
    subjects = ["reference/jwt", *(f"tests.mutants.jwt:{m.__name__}" for m in MUTANTS)]
    verdicts = outcomes(run_suite("jwt", subjects, tmp_path, "--mwc-mode=inprocess"))
    errors = [f"{s} {c}" for (s, c), o in verdicts.items() if o == "error"]
    assert not errors, f"harness errors instead of verdicts: {errors}"
    reference = {c: o for (s, c), o in verdicts.items() if s == "reference/jwt"}
    assert reference and set(reference.values()) == {"pass"}, f"the reference does not pass every case: {reference}"
    survivors = [m.name for m in MUTANTS if not any(o == "fail" for (s, _), o in verdicts.items() if s == m.name)]
    assert not survivors, f"mutants the jwt suite does not catch: {survivors}"
    idle = sorted(c for c in reference if not any(o == "fail" for (s, cc), o in verdicts.items() if cc == c and s != "reference/jwt"))
    assert not idle, f"cases that fail no mutant (cannot be shown to catch anything): {idle}"
