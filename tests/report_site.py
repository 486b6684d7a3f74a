"""A report built from real verdicts with every kind of cell: the pipeline suite run against two
mutants (fail), aiohttp/native (known, n/a, onion) and sanic/on-hooks (known, hooks).

Built once per test session and shared by pytest-xdist workers through a file lock, since the
suite run is the slow part (a few seconds)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from mwconform.reports.html import build
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
