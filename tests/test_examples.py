"""The examples of docs/grade-your-own.md, graded by the real suites in a child pytest (one run per
suite, every example subject of it): each correct middleware gets no `fail` and no `error` (n/a only
with a reason), and each copy with a planted bug fails exactly the requirements that bug breaks."""

from pathlib import Path

import pytest

from mwconform.suites.session.test_machine import CASES
from tests.selftest import run_suite

MACHINE = CASES[0]

#: suite → (--mwc-subject spec, subject name, the requirement ids its failed cases check: empty for a correct one).
EXAMPLES: dict[str, list[tuple[str, str, set[str]]]] = {
    "cors": [
        ("examples.cors_aiohttp:subject", "examples/cors-aiohttp", set()),
        ("examples.cors_aiohttp:broken", "examples/cors-aiohttp-broken", {"cors.vary.merge"}),
        ("examples.cors_sanic:subject", "examples/cors-sanic", set()),
        ("examples.cors_sanic:broken", "examples/cors-sanic-broken", {"cors.origin.anchored", "cors.origin.scheme-port"}),
    ],
    "jwt": [
        ("examples.jwt_aiohttp:subject", "examples/jwt-aiohttp", set()),
        ("examples.jwt_aiohttp:broken", "examples/jwt-aiohttp-broken", {"jwt.alg.allowlist"}),
        ("examples.jwt_sanic:subject", "examples/jwt-sanic", set()),
        (
            "examples.jwt_sanic:broken",
            "examples/jwt-sanic-broken",
            {"jwt.claims.exp", "jwt.claims.leeway", "jwt.response.invalid-token", "jwt.response.no-leak"},
        ),
        ("tests.subjects_own_claims:subject", "tests/own-claims", set()),
        ("tests.subjects_own_claims:broken", "tests/own-claims-broken", {"jwt.alg.allowlist"}),
    ],
    "pipeline": [("examples.pipeline_aiohttp:subject", "examples/pipeline-aiohttp", set())],
    "session": [
        ("examples.session_aiohttp:subject", "examples/session-aiohttp", set()),
        # The lifetime cases, and the session machine, which replays an expired cookie.
        ("examples.session_aiohttp:broken", "examples/session-aiohttp-broken", {"session.lifetime.from-last-write", *MACHINE.requirements}),
        ("examples.session_sanic:subject", "examples/session-sanic", set()),
        (
            "examples.session_sanic:broken",
            "examples/session-sanic-broken",
            # The logout cases, and the session machine (its one case checks several requirements at once).
            {"session.logout.delete-cookie", "session.logout.whole-session", *MACHINE.requirements},
        ),
    ],
}
#: The own-claims library graded without its token minter: the suite's tokens lack its jti and uid.
UNMINTED = ("tests.subjects_own_claims:unminted", "tests/own-claims-broken-unminted")
#: Generous per-case deadline: CI shares two cores, and a slow machine must not read as an `error`.
DEADLINE = "--mwc-deadline=60"


@pytest.mark.parametrize("suite", sorted(EXAMPLES))
def test_examples_grade_as_written(suite: str, tmp_path: Path) -> None:
    results = run_suite(suite, [spec for spec, _, _ in EXAMPLES[suite]], tmp_path, DEADLINE)
    for _, name, planted in EXAMPLES[suite]:
        cases = [c for c in results["cases"] if c["subject"] == name]
        assert cases, f"{name} was not graded by the {suite} suite"
        errors = [f"{c['id']}: {c['reason']}" for c in cases if c["outcome"] == "error"]
        assert not errors, f"{name}: an example must have no error (errors are never verdicts):\n" + "\n".join(errors)
        assert all(c["reason"] for c in cases if c["outcome"] == "n/a"), f"{name}: an n/a without its reason"
        failed = [c for c in cases if c["outcome"] == "fail"]
        shown = "\n".join(f"{c['id']} {c['requirements']}: {c['reason']}" for c in failed)
        assert {r for c in failed for r in c["requirements"]} == planted, f"{name} failed other requirements than its planted bug's:\n{shown}"
        assert sum(c["outcome"] == "pass" for c in cases) > len(cases) / 2, f"{name}: most cases must be graded, not n/a"


def test_a_token_minter_keeps_verdicts_honest(tmp_path: Path) -> None:
    """Without its minter the own-claims library refuses every suite token: acceptance cases fail for the
    wrong reason, and its planted bug (the token's own alg) hides behind the refusal."""
    results = run_suite("jwt", [UNMINTED[0], "tests.subjects_own_claims:broken"], tmp_path, DEADLINE, "-k", "hs256 or hs512")
    outcome = {(c["subject"], c["id"]): c["outcome"] for c in results["cases"]}
    assert outcome[UNMINTED[1], "valid.hs256"] == "fail"
    assert outcome[UNMINTED[1], "alg.hs512-not-allowed"] == "pass"
    assert outcome["tests/own-claims-broken", "valid.hs256"] == "pass"
    assert outcome["tests/own-claims-broken", "alg.hs512-not-allowed"] == "fail"
