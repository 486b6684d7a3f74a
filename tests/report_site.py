"""A report built from real verdicts with every kind of cell: the pipeline suite run against two
mutants (fail), aiohttp/native (known, n/a, onion) and sanic/on-hooks (known, hooks).

Built once per test session and shared by pytest-xdist workers through a file lock, since the
suite run is the slow part (a few seconds)."""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from mwconform.reports.html import build
from mwconform.reports.model import load
from tests.selftest import run_suite

MUTANTS = ["tests.mutants.pipeline:ShortCircuitCallsHandlerSubject", "tests.mutants.pipeline:EarlyResponseSkipsHooksSubject"]
SUBJECTS = [*MUTANTS, "aiohttp/native", "sanic/on-hooks"]


@dataclass
class Site:
    out: Path
    results_file: Path
    results: dict[str, Any]

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    # Under xdist each worker's base temp lives in one folder per run; without it, use our own.
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    work = root / "mwc-report-site"
    with FileLock(str(root / "mwc-report-site.lock")):
        results_file = work / "pipeline-results.json"
        if not (work / "out" / "index.html").exists():
            work.mkdir(exist_ok=True)
            run_suite("pipeline", SUBJECTS, work)
            build([results_file], work / "out", work / "summary.md")
    return Site(work / "out", results_file, json.loads(results_file.read_text(encoding="utf-8")))


def case_page_data(page: Path) -> dict[str, Any]:
    """The JSON a case page carries in script#verdicts for assets/case.js (reports/html.py writes it)."""
    found = re.search(r'<script type="application/json" id="verdicts">(.*?)</script>', page.read_text(encoding="utf-8"), re.S)
    assert found, f"{page} carries no verdict data"
    return json.loads(found.group(1))


def case_of(page: Path, anchor: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the report adds, the case as the results file holds it) of the verdict at `anchor`."""
    data = case_page_data(page)
    (i,) = [i for i, v in enumerate(data["verdicts"]) if v[0] == anchor]
    return dict(zip(("anchor", "counted", "reproduce", "profile", "mode", "others", "more"), data["verdicts"][i])), data["cases"][i]


#: What a hostile subject can send, each of which would open markup or end the data's script element if it were not escaped.
HOSTILE_BODY = "<script>document.title='pwned'</script><!--<script>"
HOSTILE_HEADER = ("x-evil", '"></script><img src=x onerror="document.title=1">')


def hostile_site(site: Site, out: Path) -> tuple[Path, str]:
    """The report of the shared results with one response carrying HOSTILE_BODY and HOSTILE_HEADER;
    (the case page holding it, the verdict's anchor)."""
    doc = copy.deepcopy(site.results)
    case = next(c for c in doc["cases"] if c.get("exchanges"))
    case["exchanges"][0]["response"]["body"] = HOSTILE_BODY
    case["exchanges"][0]["response"]["headers"].append(list(HOSTILE_HEADER))
    (out / "evil.json").write_text(json.dumps(doc), encoding="utf-8")
    build([out / "evil.json"], out / "out")
    v = next(v for v in load([out / "evil.json"]).verdicts if (v.subject, v.id) == (case["subject"], case["id"]))
    return out / "out" / v.file, v.anchor


def one_case(doc: dict[str, Any], **changes: object) -> dict[str, Any]:
    """`doc` with only its first case, changed."""
    odd = copy.deepcopy(doc)
    odd["cases"] = [odd["cases"][0] | changes]
    return odd
