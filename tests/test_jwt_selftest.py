"""The jwt suite against deliberately broken JWT middlewares: every one must be caught."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.mutants.jwt import MUTANTS
from tests.selftest import outcomes, run_suite


def test_every_jwt_mutant_is_killed_and_every_case_kills_one(tmp_path: Path) -> None:
    """The reference passes every case; each mutant fails at least one; each case fails at least one mutant; nothing errors."""
    subjects = ["reference/jwt", *(f"tests.mutants.jwt:{m.__name__}" for m in MUTANTS)]
    halves = [subjects[::2], subjects[1::2]]  # two child runs at once: ~4000 case runs in half the time on two cores
    for index in range(len(halves)):
        (tmp_path / str(index)).mkdir()
    with ThreadPoolExecutor(len(halves)) as pool:
        runs = pool.map(lambda i: run_suite("jwt", halves[i], tmp_path / str(i), "--mwc-mode=inprocess"), range(len(halves)))
        verdicts = {key: outcome for results in runs for key, outcome in outcomes(results).items()}
    errors = [f"{s} {c}" for (s, c), o in verdicts.items() if o == "error"]
    assert not errors, f"harness errors instead of verdicts: {errors}"
    reference = {c: o for (s, c), o in verdicts.items() if s == "reference/jwt"}
    assert reference and set(reference.values()) == {"pass"}, f"the reference does not pass every case: {reference}"
    survivors = [m.name for m in MUTANTS if not any(o == "fail" for (s, _), o in verdicts.items() if s == m.name)]
    assert not survivors, f"mutants the jwt suite does not catch: {survivors}"
    idle = sorted(c for c in reference if not any(o == "fail" for (s, cc), o in verdicts.items() if cc == c and s != "reference/jwt"))
    assert not idle, f"cases that fail no mutant (cannot be shown to catch anything): {idle}"
