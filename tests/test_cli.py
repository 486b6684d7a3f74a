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
        (["list", "--adapter", "typo"], "unknown adapter 'typo'; accepted: reference, aiohttp, sanic, sanic-ext, starlette, fastapi, litestar"),
        # The project's test environment never has sanic-ext (tests/test_sanic_ext.py grades it in a venv of its own).
        (["run", "--adapter", "sanic-ext"], "adapter 'sanic-ext' needs the package 'sanic_ext', which is not installed: uv pip install -e '.[sanic-ext]' in your mwconform checkout "
            "(or pip install -e '.[sanic-ext]'; mwconform is not on PyPI)"),
        (["run", "--subject", "nope.mod:Thing"], "cannot import 'nope.mod' for subject 'nope.mod:Thing'"),
        (["run", "--adapter", "aiohttp", "--suite", "graphql"], f"unknown suite 'graphql'; accepted: {', '.join(SUITES)}"),
        (["run"], "name what to grade: --adapter NAME"),
        (
            ["run", "--subject", "reference/cors", "--suite", "pipeline"],
            "no selected suite (pipeline) grades reference/cors (its suites: cors): select mwconform.suites.cors or add the suite to the subject's `suites`",
        ),
        (["run", "--adapter", "aiohttp", "--subject", "aiohttp/native"], "two subjects are named 'aiohttp/native' (from adapter 'aiohttp' and 'aiohttp/native')"),
        (["smoke", "--subject", "sanic/nope"], "unknown subject 'sanic/nope'; sanic has: sanic/middleware"),
        (["report", "missing.json"], "no results file at missing.json"),
        (["diff", "missing.json", "other.json"], "no results file at missing.json, other.json"),
        # argparse's own errors, one line too (it would print the usage first).
        ([], "mwconform: the following arguments are required: COMMAND; see mwconform --help"),
        (["bogus"], "mwconform: argument COMMAND: invalid choice: 'bogus'"),
        (["run", "--adapter", "reference", "--mode", "bad"], "mwconform run: argument --mode: invalid choice: 'bad'"),
        (["list", "--adapter"], "mwconform list: argument --adapter: expected one argument; see mwconform list --help"),
        (["diff", "only.json"], "mwconform diff: the following arguments are required: NEW.json; see mwconform diff --help"),
    ],
)
def test_bad_input_is_one_line_naming_what_is_accepted(args: list[str], message: str) -> None:
    code, output = mwconform(*args)
    assert code == 2
    assert output.strip().splitlines() == [f"mwconform: error: {message}" + output.split(message, 1)[1].splitlines()[0]]


#: Output held in a buffer larger than all of it, over a pipe nobody reads: every byte reaches the
#: pipe only at the last flush, as when `head -1` leaves after the output was written but before exit.
READER_GONE = """
import io, os, sys
from mwconform.cli import main
read, write = os.pipe()
os.close(read)
sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(write, "w"), buffer_size=1 << 24))
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("args", [["list"], ["list", "--adapter", "reference"], ["smoke", "--subject", "reference/onion"]])
def test_a_reader_that_left_ends_the_command_quietly(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", READER_GONE, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_list_shows_adapters_subjects_known_deviations_and_cases_without_running() -> None:
    code, output = mwconform("list")
    assert code == 0
    for text in ("adapter aiohttp", "aiohttp/old-style", "known order.seed-003-route-chain", "sanic/on-hooks", "suite pipeline (46 cases)", "order.three-layers"):
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
    assert "mwconform: 1 verdicts; 1 of 1 subjects break MUST or SECURITY requirements (1 failing, 0 known deviations); 0 errors" in output
    assert mwconform("run", "--subject", subject, "--json", str(tmp_path / "r.json"), "--no-fail", "--", "-k", "three-layers")[0] == 0


def test_run_then_report_writes_a_page_with_every_verdict(tmp_path: Path) -> None:
    results = tmp_path / "sanic.json"
    code, output = mwconform("run", "--adapter", "sanic", "--json", str(results))
    assert code == 0, output
    verdicts = json.loads(results.read_text())["cases"]
    code, output = mwconform("report", str(results), "-o", str(tmp_path / "out"))
    assert code == 0 and "report: " in output
    drawn = "".join(cells for area in (tmp_path / "out" / "data").glob("*.js") for cells in _cells(area))
    assert drawn.count("p") == sum(c["outcome"] == "pass" for c in verdicts) and len(drawn.replace("-", "")) == len(verdicts)


def _cells(area: Path) -> list[str]:
    """Each matrix row's outcome letters in data/<area>.js (reports/matrix.py documents the format)."""
    data = json.loads(area.read_text(encoding="utf-8").removeprefix("mwconformArea(").removesuffix(");\n"))
    return [row[7] for row in data["rows"]]


def test_a_subject_graded_by_one_suite_runs_without_naming_the_suite(tmp_path: Path) -> None:
    """The other suites' cases are deselected, not crashed on (every sanic-ext subject is CORS-only)."""
    results = tmp_path / "cors.json"
    code, output = mwconform("run", "--subject", "reference/cors", "--json", str(results), "--", "-k", "preflight")
    assert code == 0, output
    cases = json.loads(results.read_text())["cases"]
    assert cases and {c["suite"] for c in cases} == {"cors"} and {c["subject"] for c in cases} == {"reference/cors"}


def test_strict_fails_the_run_on_a_known_must_deviation_and_names_it(tmp_path: Path) -> None:
    """A known deviation is expected, not conformant: allowed by default, a failure under --strict."""
    args = ["run", "--subject", "aiohttp/old-style", "--suite", "pipeline", "--json", str(tmp_path / "r.json")]
    code, output = mwconform(*args, "--", "-k", "seed-003")
    assert code == 0, output
    assert "1 of 1 subjects break MUST or SECURITY requirements (0 failing, 1 known deviations)" in output
    assert "KNOWN [MUST] aiohttp/old-style pipeline.order.nesting (order.seed-003-route-chain): aiohttp" in output
    code, output = mwconform(*args, "--strict", "--", "-k", "seed-003")
    assert code == 1, output
    assert "STRICT KNOWN [MUST] aiohttp/old-style pipeline.order.nesting (order.seed-003-route-chain)" in output
    assert "known MUST deviation, a failure under --mwc-strict: aiohttp" in output  # pytest's own failure line
    assert json.loads((tmp_path / "r.json").read_text())["strict"] is True


def test_a_run_where_no_case_reaches_a_verdict_exits_3_saying_why(tmp_path: Path) -> None:
    """--mode inprocess on a socket-only subject: every case n/a, which must never read as green."""
    code, output = mwconform("run", "--subject", "aiohttp/native", "--suite", "pipeline", "--mode", "inprocess", "--json", str(tmp_path / "r.json"), "--", "-k", "three-layers")
    assert code == 3, output
    assert output.strip().splitlines()[-1] == "mwconform: no case reached a verdict (1 n/a); e.g. aiohttp/native order.three-layers: aiohttp/native has no inprocess mode (it has: socket)"


def test_the_pytest_plugin_also_exits_non_zero_when_nothing_reached_a_verdict(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "mwconform.suites.pipeline", "--mwc-subject=aiohttp/native", "--mwc-mode=inprocess", "-k", "three-layers"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 5, proc.stdout[-2000:]
    assert "mwconform: no case reached a verdict (1 n/a)" in proc.stdout
