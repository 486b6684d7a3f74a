"""The command line: one-line errors, listing without running, smoke, exit codes, the report."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mwconform.suites import SUITES
from tests.selftest import ROOT


def mwconform(*args: str, cwd: Path = ROOT) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "mwconform.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--adapter", "flask"], "unknown adapter 'flask'; accepted: reference, aiohttp, sanic, sanic-ext, starlette, fastapi, litestar"),
        # The project's test environment never has sanic-ext (tests/test_sanic_ext.py grades it in a venv of its own).
        (["run", "--adapter", "sanic-ext"], "adapter 'sanic-ext' needs the package 'sanic_ext', which is not installed: pip install 'mwconform[sanic-ext]'"),
        (["run", "--subject", "nope.mod:Thing"], "cannot import 'nope.mod' for subject 'nope.mod:Thing'"),
        (["run", "--adapter", "aiohttp", "--suite", "graphql"], f"unknown suite 'graphql'; accepted: {', '.join(SUITES)}"),
        (["run"], "name what to grade: --adapter NAME"),
        (["smoke", "--subject", "sanic/nope"], "unknown subject 'sanic/nope'; sanic has: sanic/middleware"),
        (["report", "missing.json"], "no results file at missing.json"),
    ],
)
def test_bad_input_is_one_line_naming_what_is_accepted(args: list[str], message: str) -> None:
    code, output = mwconform(*args)
    assert code == 2
    assert output.strip().splitlines() == [f"mwconform: error: {message}" + output.split(message, 1)[1].splitlines()[0]]


def test_list_shows_adapters_subjects_known_deviations_and_cases_without_running() -> None:
    code, output = mwconform("list")
    assert code == 0
    for text in ("adapter aiohttp", "aiohttp/old-style", "known order.seed-003-route-chain", "sanic/on-hooks", "suite pipeline (32 cases)", "order.three-layers"):
        assert text in output


def test_smoke_passes_wired_adapters_and_names_what_is_broken() -> None:
    code, output = mwconform("smoke", "--adapter", "aiohttp", "--adapter", "sanic", "--adapter", "reference")
    lines = output.strip().splitlines()
    assert code == 0 and len(lines) >= 7 and all(line.endswith(" ok") for line in lines), output
    code, output = mwconform("smoke", "--subject", "tests.mutants.pipeline:ShortCircuitIgnoredSubject")
    assert code == 1 and "BROKEN: short-circuit: status: got 200, expected 401" in output


def test_run_exits_non_zero_on_a_must_failure_unless_told_not_to(tmp_path: Path) -> None:
    subject = "tests.mutants.pipeline:ChainReversedSubject"
    code, output = mwconform("run", "--subject", subject, "--json", str(tmp_path / "r.json"), "--", "-k", "three-layers")
    assert code == 1, output
    assert "1 verdicts, 1 MUST failures, 0 errors" in output
    assert mwconform("run", "--subject", subject, "--json", str(tmp_path / "r.json"), "--no-fail", "--", "-k", "three-layers")[0] == 0


def test_run_then_report_writes_a_page_with_every_verdict(tmp_path: Path) -> None:
    results = tmp_path / "sanic.json"
    code, output = mwconform("run", "--adapter", "sanic", "--json", str(results))
    assert code == 0, output
    verdicts = json.loads(results.read_text())["cases"]
    code, output = mwconform("report", str(results), "-o", str(tmp_path / "out"))
    assert code == 0 and "report: " in output
    page = (tmp_path / "out" / "index.html").read_text()
    assert page.count('data-outcome="pass" data-subject=') == sum(c["outcome"] == "pass" for c in verdicts)


def test_a_subject_graded_by_one_suite_runs_without_naming_the_suite(tmp_path: Path) -> None:
    """The other suites' cases are deselected, not crashed on (every sanic-ext subject is CORS-only)."""
    results = tmp_path / "cors.json"
    code, output = mwconform("run", "--subject", "reference/cors", "--json", str(results), "--", "-k", "preflight")
    assert code == 0, output
    cases = json.loads(results.read_text())["cases"]
    assert cases and {c["suite"] for c in cases} == {"cors"} and {c["subject"] for c in cases} == {"reference/cors"}
