"""The unbroken reference passes every case of its suite: the control for tests/test_mutation_score.py,
which shows that each case fails on broken middleware (a case failing the reference too proves nothing).
The session references, which need Redis and storage-specific n/a rules, are in test_session_selftest.py."""

from pathlib import Path

import pytest

from tests.selftest import run_suite

REFERENCES = {"cors": "reference/cors", "jwt": "reference/jwt"}


@pytest.mark.parametrize("suite", sorted(REFERENCES))
def test_the_unbroken_reference_passes_every_case(suite: str, tmp_path: Path) -> None:
    results = run_suite(suite, [REFERENCES[suite]], tmp_path, "--mwc-mode=inprocess")
    outcomes = {c["id"]: c["outcome"] for c in results["cases"]}
    assert outcomes and set(outcomes.values()) == {"pass"}, {c: o for c, o in outcomes.items() if o != "pass"}
