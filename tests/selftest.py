"""Runs a suite against subjects in a child pytest and returns its results document.

A child process keeps the suite's own plugin state (subjects, results, event loop) apart from the
test run that asserts on it, exactly as a user's CI would run it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mwconform.reports.schema import validate

ROOT = Path(__file__).resolve().parent.parent


def run_suite(suite: str, subjects: list[str], workdir: Path, *extra: str) -> dict[str, Any]:
    """`pytest --pyargs mwconform.suites.<suite> --mwc-subject ...` → the parsed results JSON."""
    out = workdir / f"{suite}-results.json"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", f"mwconform.suites.{suite}"]
    cmd += [f"--mwc-subject={s}" for s in subjects] + [f"--mwc-json={out}", *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if not out.exists():
        raise AssertionError(f"the suite run wrote no results (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    results = json.loads(out.read_text(encoding="utf-8"))
    validate(results, str(out))  # every results file the tool writes must match the published schema
    return results


def outcomes(results: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(subject, case id) → outcome."""
    return {(c["subject"], c["id"]): c["outcome"] for c in results["cases"]}


#: Pipeline cases that need a socket: a client can leave mid-response only there (n/a in process).
SOCKET_ONLY = frozenset({"stream.client-leaves-after-first-piece", "background.task-after-get-through-a-b-c", "background.task-after-streamed-get-through-a-b-c"})


def mode_differences(socket: dict[Any, Any], inprocess: dict[Any, Any]) -> dict[Any, Any]:
    """Where two runs' `(subject, case) → (outcome, traces)` differ, besides the socket-only cases,
    which must be n/a in process (a client leaves, or reads a response while a background task
    runs, only over a socket)."""
    found = {k: (v, inprocess[k]) for k, v in socket.items() if inprocess[k] != v and k[1] not in SOCKET_ONLY}
    found |= {k: (v, inprocess[k]) for k, v in socket.items() if k[1] in SOCKET_ONLY and inprocess[k][0] != "n/a"}
    return found
