"""Each blame rule of SPEC §0, in every suite: what goes wrong outside a case's own checks is an
`error` with its reason, never a `fail`, and an error never confirms a known deviation; a crash
the subject declares stays an error but does not fail the run, and one that stops happening is stale."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.blame import CRASH_CASE, RULES
from tests.selftest import ROOT, run_suite
from tests.test_cli import mwconform

#: A few cases per suite are enough: the rule is the runner's, the same for every case.
CASES = {"pipeline": "order", "cors": "actual.allowed", "jwt": "valid or scheme", "session": "persist or attributes.default"}

#: rule → what every error's reason must say.
REASONS = {
    "wiring": "AssertionError: the",  # "the wiring asserts" or "the binding asserts", named with its type
    "teardown": "failed while tearing down the app",
    "no_http": "closed the connection without answering",
}


@pytest.mark.parametrize("suite", sorted(CASES))
def test_every_rule_is_an_error_in_every_suite(suite: str, tmp_path: Path) -> None:
    subjects = {rule: by_suite[suite] for rule, by_suite in RULES.items()}
    results = run_suite(suite, [f"tests.blame:{rule}_{suite}" for rule in subjects], tmp_path, "-k", CASES[suite])
    for rule, subject in subjects.items():
        cases = [c for c in results["cases"] if c["subject"] == subject.name]
        assert cases, f"{subject.name} got no verdict"
        wrong = [f"{c['id']}: {c['outcome']} {c['reason']}" for c in cases if c["outcome"] != "error" or REASONS[rule] not in c["reason"]]
        assert not wrong, f"{rule} under {suite} must be an error saying {REASONS[rule]!r}:\n" + "\n".join(wrong)


#: --mwc-subject spec → (suite, what its error says).
CONTRACT = {
    "tests.blame:NotAMiddleware": ("cors", "is not an aiohttp middleware"),
    "tests.blame:SilentJwt": ("jwt", "reported no claims"),
    "tests.blame:ClaimChangingMinter": ("jwt", "changed or dropped the case's claim(s) sub"),
    "tests.blame:NoMapping": ("session", "session(request) returned str"),
}


@pytest.mark.parametrize("suite", ["cors", "jwt", "session"])
def test_contract_violations_are_errors_naming_the_contract(suite: str, tmp_path: Path) -> None:
    specs = {spec: reason for spec, (s, reason) in CONTRACT.items() if s == suite}
    results = run_suite(suite, list(specs), tmp_path, "-k", CASES[suite])
    for reason in specs.values():
        cases = [c for c in results["cases"] if reason in c["reason"]]
        assert cases and all(c["outcome"] == "error" for c in cases), [(c["subject"], c["id"], c["outcome"], c["reason"]) for c in results["cases"]]
    # Cases that never touch the broken part (no token minted, no session read) may pass; none fails.
    assert not [c for c in results["cases"] if c["outcome"] == "fail"], [(c["subject"], c["id"], c["reason"]) for c in results["cases"]]


def test_an_outage_mid_case_is_an_error(tmp_path: Path) -> None:
    results = run_suite("session", ["tests.blame:RedisDiesMidCase"], tmp_path, "-k", "persist")
    outcomes = {c["id"]: (c["outcome"], c["reason"]) for c in results["cases"]}
    # Every case that writes the session meets the outage (a read-only one never reaches Redis's death).
    assert outcomes.pop("save.anonymous-read-sends-no-cookie")[0] == "pass"
    assert outcomes and all(o == "error" and "infrastructure outage" in r for o, r in outcomes.values()), outcomes



#: Both declare a crash on CRASH_CASE: DeclaredCrash has it, CrashFixed no longer does (and its
#: pass gives the run a verdict, so the run's exit code is about the crash alone).
DECLARING = ("--subject", "tests.blame:DeclaredCrash", "--subject", "tests.blame:CrashFixed", "--suite", "cors")


def test_a_declared_crash_is_an_expected_error_and_one_that_stopped_is_stale(tmp_path: Path) -> None:
    code, output = mwconform("run", *DECLARING, "--json", str(tmp_path / "r.json"), "--", "-k", CRASH_CASE)
    assert code == 0, output
    cases = {c["subject"]: c for c in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["cases"]}
    crashed, fixed = cases["blame/declared-crash-cors"], cases["blame/crash-fixed-cors"]
    assert (crashed["outcome"], crashed["expected_crash"]) == ("error", "the binding asserts on every request"), crashed
    assert "AssertionError: the binding asserts" in crashed["reason"] and not crashed["stale_known"], crashed
    assert f"ERROR (expected crash: the binding asserts on every request) blame/declared-crash-cors {CRASH_CASE}" in output
    assert "1 errors (1 expected crashes)" in output
    assert fixed["outcome"] == "pass" and fixed["stale_known"] and "expected_crash" not in fixed, fixed
    assert "stale expected crash, it no longer occurs: it used to assert here" in fixed["reason"]
    assert f"STALE blame/crash-fixed-cors {CRASH_CASE}: stale expected crash" in output
    # --strict accepts no declared excuse, a crash included.
    assert mwconform("run", *DECLARING, "--json", str(tmp_path / "s.json"), "--strict", "--", "-k", CRASH_CASE)[0] == 1
    # The plugin alone (plain pytest) ends the same way: the expected crash is an xfail.
    plain = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "mwconform.suites.cors", "-k", CRASH_CASE]
    plain += ["--mwc-subject=tests.blame:DeclaredCrash", "--mwc-subject=tests.blame:CrashFixed"]
    for strict, expected in (([], 0), (["--mwc-strict"], 1)):
        proc = subprocess.run(plain + strict, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == expected, proc.stdout + proc.stderr


def test_an_undeclared_crash_fails_the_run(tmp_path: Path) -> None:
    # The same subjects on a case they declare no crash for.
    code, output = mwconform("run", *DECLARING, "--json", str(tmp_path / "r.json"), "--", "-k", "actual.allowed-second-listed-origin")
    assert code == 1, output
    cases = {c["subject"]: c for c in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["cases"]}
    assert cases["blame/declared-crash-cors"]["outcome"] == "error" and "expected_crash" not in cases["blame/declared-crash-cors"], cases
