"""The results file: what `mwconform run` writes matches the published JSON Schema, JUnit XML
comes through pytest, and a file that breaks the schema is refused with one line."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from mwconform.reports.schema import problem, schema, validate


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
    assert set(results["subjects"]) == {"reference/onion", "reference/hooks", "reference/starlette", "reference/litestar"}
    assert all(s["spec"] == name and s["versions"] for name, s in results["subjects"].items())
    assert results["cases"] and all(c["suite"] == "pipeline" and c["exchanges"] and c["expected"] for c in results["cases"])
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == sorted(c["nodeid"].split("::")[-1] for c in results["cases"])


def _minimal() -> dict[str, Any]:
    exchange = {"request": {"method": "GET", "path": "/ok", "headers": [["origin", "https://a.example"]]}, "response": {"status": 200, "headers": [], "body": "ok"}, "trace": ["A>", "H", "<A"]}
    return {
        "schema": "mwconform-results/1", "mwconform": "0.1.0", "python": "3.11", "mode": "default", "started": "2026-01-01T00:00:00+00:00", "duration": 1.0,
        "subjects": {"x/y": {"adapter": "x", "profile": "onion", "description": "", "capabilities": [], "modes": ["socket"], "versions": {}, "known": {}}},
        "requirements": {"a.b": {"title": "t", "level": "MUST", "text": "t", "sources": [{"title": "s", "url": "https://example.org"}]}},
        "cases": [{"id": "c", "suite": "s", "nodeid": "n", "subject": "x/y", "title": "t", "requirements": ["a.b"], "level": "MUST", "expect": "e",
                   "outcome": "pass", "reason": "", "stale_known": False, "duration": 0.1, "exchanges": [exchange], "expected": [{}], "observed": [{}]}],
    }


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.__setitem__("schema", "mwconform-results/2"), "schema"),
        (lambda d: d["cases"][0].__setitem__("outcome", "skipped"), "cases/0/outcome"),
        (lambda d: d["cases"][0].__setitem__("level", "MAY"), "cases/0/level"),
        (lambda d: d["cases"][0]["exchanges"][0]["response"].pop("status"), "cases/0/exchanges/0/response"),
        (lambda d: d["cases"][0]["exchanges"][0]["request"]["headers"].append(["only-a-name"]), "cases/0/exchanges/0/request/headers/1"),
        (lambda d: d["cases"][0].pop("reason"), "cases/0"),
        (lambda d: d["subjects"]["x/y"].pop("versions"), "subjects/x/y"),
        (lambda d: d["cases"][0].__setitem__("requirements", ["not.described"]), "not.described"),
    ],
    ids=["schema-version", "outcome", "level", "exchange-status", "header-pair", "reason", "subject-versions", "undescribed-requirement"],
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
    assert proc.stderr.strip().count("\n") == 0 and "other.json is not a valid mwconform-results/1 file" in proc.stderr
    assert not (tmp_path / "out" / "index.html").exists()
