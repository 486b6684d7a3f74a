"""The results file: what `mwconform run` writes matches the published JSON Schema, JUnit XML
comes through pytest, a file that breaks the schema is refused with one line, the output path is
checked before the first case, writes are atomic, and a run killed halfway keeps its verdicts in a
file marked incomplete."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from mwconform.reports.html import build
from mwconform.reports.schema import problem, schema, validate
from mwconform.results import write_atomic
from tests.selftest import ROOT


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mwconform.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_run_writes_a_schema_valid_results_file_and_junit_xml_through_pytest(tmp_path: Path) -> None:
    """`mwconform run ... -- --junitxml=junit.xml`: a valid results file with full run metadata, and a
    JUnit file (relative to the working directory) with one testcase per verdict."""
    proc = _cli("run", "--adapter", "reference", "--suite", "pipeline", "--mode", "inprocess", "--json", "r.json", "--", "-k", "short-circuit", "--junitxml=junit.xml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    validate(results, "r.json")
    assert results["mode"] == "inprocess" and results["platform"] and results["python"] and results["started"]
    assert results["complete"] is True and "incomplete" not in results and results["collected"] == len(results["cases"])
    assert all(s["baseline"] for s in results["subjects"].values())  # reference/* subjects are the baseline
    assert set(results["subjects"]) == {"reference/onion", "reference/hooks", "reference/starlette", "reference/litestar"}
    assert all(s["spec"] == name and s["versions"] for name, s in results["subjects"].items())
    assert results["cases"] and all(c["suite"] == "pipeline" and c["exchanges"] and c["expected"] for c in results["cases"])
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == sorted(c["nodeid"].split("::")[-1] for c in results["cases"])


def _minimal() -> dict[str, Any]:
    exchange = {"request": {"method": "GET", "path": "/ok", "headers": [["origin", "https://a.example"]]}, "response": {"status": 200, "headers": [], "body": "ok"}, "trace": ["A>", "H", "<A"]}
    return {
        "schema": "mwconform-results/2", "mwconform": "0.1.0", "python": "3.11", "mode": "default", "started": "2026-01-01T00:00:00+00:00", "duration": 1.0, "complete": True,
        "subjects": {"x/y": {"adapter": "x", "profile": "onion", "description": "", "capabilities": [], "modes": ["socket"], "versions": {}, "known": {}}},
        "requirements": {"a.b": {"title": "t", "level": "MUST", "text": "t", "sources": [{"title": "s", "url": "https://example.org"}]}},
        "cases": [{"id": "c", "suite": "s", "nodeid": "n", "subject": "x/y", "title": "t", "requirements": ["a.b"], "level": "MUST", "expect": "e",
                   "outcome": "pass", "reason": "", "stale_known": False, "duration": 0.1, "exchanges": [exchange], "expected": [{}], "observed": [{}]}],
    }


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.__setitem__("schema", "mwconform-results/3"), "schema"),
        (lambda d: d.__setitem__("schema", "mwconform-results/1"), "it is a mwconform-results/1 file (written by mwconform 0.1"),
        (lambda d: d.__setitem__("complete", False), "'incomplete' is a required property"),
        (lambda d: d.update(incomplete="interrupted by SIGTERM: 1 of 2 cases decided"), "(top level)"),
        (lambda d: d["cases"][0].__setitem__("violated", ["not.described"]), "not.described"),
        (lambda d: d["cases"][0].__setitem__("outcome", "skipped"), "cases/0/outcome"),
        (lambda d: d["cases"][0].__setitem__("level", "MAY"), "cases/0/level"),
        (lambda d: d["cases"][0]["exchanges"][0]["response"].pop("status"), "cases/0/exchanges/0/response"),
        (lambda d: d["cases"][0]["exchanges"][0]["request"]["headers"].append(["only-a-name"]), "cases/0/exchanges/0/request/headers/1"),
        (lambda d: d["cases"][0].pop("reason"), "cases/0"),
        (lambda d: d["subjects"]["x/y"].pop("versions"), "subjects/x/y"),
        (lambda d: d["cases"][0].__setitem__("requirements", ["not.described"]), "not.described"),
    ],
    ids=["schema-version", "older-schema-version", "incomplete-without-reason", "complete-with-reason", "undescribed-violated", "outcome", "level", "exchange-status", "header-pair", "reason", "subject-versions", "undescribed-requirement"],
)
def test_schema_refuses_a_file_that_breaks_it_and_names_the_spot(change: Any, where: str) -> None:
    """A valid minimal file passes; each single breakage is refused with its location."""
    assert problem(_minimal()) is None
    broken = copy.deepcopy(_minimal())
    change(broken)
    found = problem(broken)
    assert found is not None and where in found


def test_published_schema_file_is_itself_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())


def test_report_refuses_a_file_that_is_not_a_results_file_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text('{"schema": "something-else"}', encoding="utf-8")
    proc = _cli("report", str(tmp_path / "other.json"), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "other.json is not a valid mwconform-results/2 file" in proc.stderr
    assert not (tmp_path / "out" / "index.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--adapter", "reference", "--json", "{file}/r.json"], "mwconform: error: --json {file}/r.json: cannot write there ({file} is a file, not a folder)"),
        (["run", "--adapter", "reference", "--json", "{tmp}"], "mwconform: error: --json {tmp} is a folder; give the path of a file"),
        (["report", "{results}", "-o", "{file}/out"], "mwconform: error: -o {file}/out/index.html: cannot write there ({file} is a file, not a folder)"),
        (["report", "{results}", "-o", "{tmp}/out", "--markdown", "{file}/s.md"], "mwconform: error: --markdown {file}/s.md: cannot write there ({file} is a file, not a folder)"),
    ],
    ids=["run-json-under-a-file", "run-json-is-a-folder", "report-out-under-a-file", "report-markdown-under-a-file"],
)
def test_an_unwritable_output_is_one_line_before_anything_runs(tmp_path: Path, args: list[str], message: str) -> None:
    """Checked first: no case runs and no page is built; one line names the path and the problem."""
    (tmp_path / "file").write_text("a file, not a folder", encoding="utf-8")
    (tmp_path / "results.json").write_text(json.dumps(_minimal()), encoding="utf-8")
    fill = {"file": str(tmp_path / "file"), "tmp": str(tmp_path), "results": str(tmp_path / "results.json")}
    proc = _cli(*(a.format(**fill) for a in args), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip() == message.format(**fill) and proc.stdout == "", proc.stdout + proc.stderr


def test_the_plugin_checks_its_results_path_before_the_first_case(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "mwconform.suites.pipeline", "--mwc-subject=reference/onion", f"--mwc-json={tmp_path / 'file' / 'r.json'}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"ERROR: --mwc-json {tmp_path / 'file' / 'r.json'}: cannot write there ({tmp_path / 'file'} is a file, not a folder)" in proc.stderr
    assert "passed" not in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_a_write_that_fails_leaves_the_previous_file_whole_and_no_temporary_behind(tmp_path: Path) -> None:
    """Temporary file and rename: readers (and a second run writing the same path) never see half a file."""
    path = tmp_path / "r.json"
    write_atomic(path, '{"run": 1}')
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, '{"run": 2, "text": "\ud800"}')  # a lone surrogate cannot be written as UTF-8
    assert path.read_text(encoding="utf-8") == '{"run": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def test_a_run_killed_with_sigterm_keeps_every_decided_verdict_in_a_file_marked_incomplete(tmp_path: Path) -> None:
    """Halfway through (a case of a subject that hangs), SIGTERM: the file holds exactly the verdicts
    pytest reported before the signal, says it is incomplete and why, and the report says so on every page."""
    results = tmp_path / "r.json"
    cmd = [sys.executable, "-u", "-m", "mwconform.cli", "run", "--subject", "reference/onion", "--subject", "tests.subjects:Hangs", "--suite", "pipeline", "--json", str(results), "--", "--mwc-deadline=60"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        dots = ""
        while "." not in dots:  # the first reference/onion case passed; the next (test/hangs) hangs for 60 s
            char = proc.stdout.read(1)  # type: ignore[union-attr]
            assert char, "the run ended before deciding a case"
            dots += char
        time.sleep(1.0)  # into a hanging case (each waits 5 s for an answer)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode == 4, out[-2000:] + err[-2000:]
    doc = json.loads(results.read_text(encoding="utf-8"))
    validate(doc, str(results))
    decided = len(doc["cases"])
    assert doc["complete"] is False and 0 < decided < doc["collected"]
    assert doc["incomplete"] == f"interrupted by SIGTERM: {decided} of {doc['collected']} cases decided"
    # Every verdict pytest reported (a pass ".", an n/a "s") is in the file; the case the signal hit
    # (test/hangs) has none.
    progress = (dots + out.split("\n")[0])
    assert decided == progress.count(".") + progress.count("s")
    assert {(c["subject"], c["outcome"]) for c in doc["cases"]} <= {("reference/onion", "pass"), ("reference/onion", "n/a")}
    assert f"mwconform: interrupted by SIGTERM: {decided} of {doc['collected']} cases decided; {results} holds them and is marked incomplete" in err
    index = build([results], tmp_path / "out")
    for page in [index, *(tmp_path / "out").glob("*/*.html")]:
        assert f"data-incomplete=\"r.json\"" in page.read_text(encoding="utf-8"), page
