"""The plugin blames the right party: fail for the subject, error for the harness, n/a, known, stale."""

from pathlib import Path

import pytest

from tests.selftest import ROOT, outcomes, run_suite


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    subjects = ["tests.subjects:Hangs", "tests.subjects:AdapterCrashes", "tests.subjects:StaleKnown", "aiohttp/old-style"]
    return run_suite("pipeline", subjects, tmp_path_factory.mktemp("plugin"), "--mwc-deadline=1.5", "-k", "three-layers or seed-003 or priority-overrides")


def test_a_hung_subject_is_an_error_within_its_deadline_and_the_run_goes_on(graded: dict) -> None:
    hung = [c for c in graded["cases"] if c["subject"] == "test/hangs"]
    assert hung and all(c["outcome"] == "error" for c in hung)
    assert all("hung" in c["reason"] or "deadline" in c["reason"] for c in hung), [c["reason"] for c in hung]
    assert all(c["duration"] < 10 for c in hung)
    assert outcomes(graded)[("test/stale-known", "order.seed-003-route-chain")] == "pass"


def test_an_adapter_crash_is_an_error_never_a_fail(graded: dict) -> None:
    crashed = [c for c in graded["cases"] if c["subject"] == "test/adapter-crashes"]
    assert {c["outcome"] for c in crashed} == {"error"}
    assert crashed[0]["reason"] == "test/adapter-crashes could not build or serve the scenario (socket mode): RuntimeError: adapter bug: cannot build the app"


def test_a_known_deviation_that_no_longer_occurs_is_flagged_stale(graded: dict) -> None:
    case = next(c for c in graded["cases"] if (c["subject"], c["id"]) == ("test/stale-known", "order.three-layers"))
    assert case["outcome"] == "pass" and case["stale_known"] and "no longer occurs" in case["reason"]


def test_known_and_na_outcomes_carry_their_reasons(graded: dict) -> None:
    verdicts = {(c["subject"], c["id"]): c for c in graded["cases"]}
    known = verdicts[("aiohttp/old-style", "order.seed-003-route-chain")]
    assert known["outcome"] == "known" and "sub-application" in known["reason"]
    na = verdicts[("aiohttp/old-style", "order.priority-overrides-declaration")]
    assert na["outcome"] == "n/a" and "lacks priority" in na["reason"]


def test_results_carry_evidence_for_the_report(graded: dict) -> None:
    case = next(c for c in graded["cases"] if (c["subject"], c["id"]) == ("aiohttp/old-style", "order.three-layers"))
    assert case["exchanges"][0]["trace"] == ["A>", "B>", "C>", "H", "<C:200", "<B:200", "<A:200"]
    assert case["level"] == "MUST" and "pipeline.order.request" in case["requirements"]
    assert graded["subjects"]["aiohttp/old-style"]["versions"]["aiohttp"]
    assert graded["requirements"]["pipeline.order.request"]["sources"][0]["url"].startswith("https://")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--mwc-subject=nosuch.module:Thing", "cannot import 'nosuch.module' for subject"),
        ("--mwc-subject=tests.subjects:Missing", "has no attribute 'Missing'"),
        ("--mwc-subject=aiohttp/nope", "unknown subject 'aiohttp/nope'; aiohttp has: aiohttp/native"),
        ("--mwc-adapter=django", "unknown adapter 'django'; accepted: reference, aiohttp, sanic"),
        ("--mwc-subject=tests.selftest:ROOT", "gives a PosixPath, not a mwconform Subject"),
    ],
)
def test_bad_subject_names_are_one_line_usage_errors(option: str, message: str, pytester_like: "Run") -> None:
    code, output = pytester_like(["--pyargs", "mwconform.suites.pipeline", option])
    assert code == 4, output
    assert message in output and "Traceback" not in output


def test_a_suite_run_without_a_subject_says_how_to_name_one(pytester_like: "Run") -> None:
    code, output = pytester_like(["--pyargs", "mwconform.suites.pipeline", "-k", "three-layers"])
    assert code == 1
    assert "no subject to grade: pass --mwc-adapter NAME or --mwc-subject" in output


Run = "Callable[[list[str]], tuple[int, str]]"


@pytest.fixture
def pytester_like():  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    def run(args: list[str]) -> tuple[int, str]:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout + proc.stderr

    return run


def test_results_file_is_written_where_asked(graded: dict, tmp_path: Path) -> None:
    assert graded["schema"] == "mwconform-results/2" and graded["cases"] and graded["complete"]
