"""No subject can break a run: the hostile corpus (tests/hostile/subjects.py) beside good subjects.

Each hostile subject does one thing issue 15 found breaking runs (blocking code, process exits,
SystemExit in a hook, raising Sanic listeners, leaked threads, immortal tasks, endless bodies,
monkeypatching, garbage HTTP). The run must give each of its cases `error` with a reason naming what
it did, give the good subjects the verdicts they get alone, finish, and leave nothing running.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import subjects
from tests.selftest import ROOT, outcomes

DEADLINE = "3"  # seconds per case: small, yet above a loaded CI core's first-case warm-up
#: Far below the hour each blocking subject would take: the deadline held, not the subject.
ENDED_EARLY = 30.0
CASES = "three-layers or headers-added"  # two cases: the second shows a blocked subject's quick error
GOOD = ["reference/onion", "aiohttp/native", "sanic/middleware"]

#: hostile subject → what its cases' reasons must say.
EXPECTED = {
    "BusyLoop": r"blocked its event loop|deadline of 3 s passed",
    "BlockingMiddleware": r"blocked its event loop",
    "BlockingServe": r"blocked its event loop",
    "HoldsTheGil": r"blocked the interpreter \(code that holds the GIL.*no verdict within its deadline of 3 s \+ 1 s",
    "ExitsProcess": r"ended its worker process \(exit status 3\)",
    "SysExitAiohttp": r"raised SystemExit\(3\) inside the event loop",
    "SysExitSanic": r"raised SystemExit\(3\) inside the event loop",
    "BeforeStartRaises": r"could not build or serve .*before_server_start listener failed",
    "AfterStartRaises": r"could not build or serve .*after_server_start listener failed",
    "BeforeStopRaises": r"failed while tearing down .*before_server_stop listener failed",
    "LeaksThread": r"left 1 non-daemon thread\(s\) running \(hostile-leaked\)",
    "ImmortalTask": r"task\(s\) running that ignore cancellation \(_immortal\)|ignored cancellation",
    "EndlessBody": r"response body passed 1048576 bytes",
    "GarbageHttp": r"closed the connection without answering",
}


def run_marked(subjects: list[str], workdir: Path, *extra: str) -> tuple[dict[str, Any], subprocess.CompletedProcess[str], str]:
    """The pipeline suite in a child pytest whose processes all carry a fresh marker in their environment."""
    marker = uuid.uuid4().hex
    out = workdir / f"{marker}.json"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "mwconform.suites.pipeline", "-k", CASES]
    cmd += [f"--mwc-subject={s}" for s in subjects] + [f"--mwc-json={out}", f"--mwc-deadline={DEADLINE}", *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "MWC_TEST_RUN": marker})
    if not out.exists():
        raise AssertionError(f"the run wrote no results (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text(encoding="utf-8")), proc, marker


def processes_marked(marker: str) -> list[int]:
    """Live (not zombie) processes whose environment carries `marker`: what a run left behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"MWC_TEST_RUN={marker}".encode() in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def hostile(name: str) -> str:
    return f"tests.hostile.subjects:{name}"


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    results, _, _ = run_marked(GOOD, tmp_path_factory.mktemp("alone"))
    return results


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], subprocess.CompletedProcess[str], str]:
    # Good subjects first, between and last: a hostile one must change neither those before nor after it.
    subjects = [GOOD[0], *map(hostile, EXPECTED), "tests.hostile.subjects:MonkeypatchesAiohttp", GOOD[1], GOOD[2]]
    return run_marked(subjects, tmp_path_factory.mktemp("corpus"))


def test_the_corpus_run_finishes_and_leaves_no_process_behind(corpus: tuple[dict[str, Any], Any, str]) -> None:
    results, proc, marker = corpus
    assert proc.returncode == 1, proc.stdout[-2000:]  # errors, yet a complete run with a results file
    assert "INTERNALERROR" not in proc.stdout + proc.stderr
    assert processes_marked(marker) == []


def test_good_subjects_get_the_verdicts_they_get_alone(corpus: tuple[dict[str, Any], Any, str], alone: dict[str, Any]) -> None:
    beside = {key: outcome for key, outcome in outcomes(corpus[0]).items() if key[0] in GOOD}
    assert beside == outcomes(alone)
    assert set(outcomes(alone).values()) == {"pass"}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_hostile_case_is_an_error_saying_what_the_subject_did(corpus: tuple[dict[str, Any], Any, str], name: str) -> None:
    cases = [c for c in corpus[0]["cases"] if c["subject"] == getattr(subjects, name).name]
    assert len(cases) == 2
    for case in cases:
        assert case["outcome"] == "error", case
        assert re.search(EXPECTED[name], case["reason"]) or "in an earlier case" in case["reason"] or "not run:" in case["reason"], case["reason"]
        assert case["duration"] < ENDED_EARLY


def test_a_blocked_subject_gets_its_remaining_cases_as_quick_errors(corpus: tuple[dict[str, Any], Any, str]) -> None:
    for name in ("hostile/blocking-middleware", "hostile/blocking-serve"):
        reasons = sorted(c["reason"] for c in corpus[0]["cases"] if c["subject"] == name)
        assert any("deadline of 3 s passed" in r for r in reasons) and any("in an earlier case; its remaining cases are not run" in r for r in reasons), reasons


def test_a_subject_that_exits_loses_only_its_own_cases(corpus: tuple[dict[str, Any], Any, str]) -> None:
    reasons = sorted(c["reason"] for c in corpus[0]["cases"] if c["subject"] == "hostile/os-exit")
    assert reasons == [
        "hostile/os-exit ended its worker process (exit status 3) while running this case; the run goes on without it",
        "not run: hostile/os-exit ended its worker process (exit status 3) in test_order[hostile/os-exit-order.three-layers]",
    ]


def test_a_subject_holding_the_gil_is_killed_from_outside_and_loses_only_its_own_cases(corpus: tuple[dict[str, Any], Any, str]) -> None:
    """The watchdog thread inside the worker cannot run while re's C code holds the GIL: the run kills the worker."""
    reasons = sorted(c["reason"] for c in corpus[0]["cases"] if c["subject"] == "hostile/holds-the-gil")
    assert reasons == [
        "hostile/holds-the-gil blocked the interpreter (code that holds the GIL: a C call, a regular expression that backtracks): "
        "no verdict within its deadline of 3 s + 1 s, so its worker process was killed; the run goes on without it",
        "not run: hostile/holds-the-gil blocked the interpreter in test_order[hostile/holds-the-gil-order.three-layers], so its worker process was killed",
    ]


def test_a_monkeypatching_subject_changes_no_other_subject(corpus: tuple[dict[str, Any], Any, str]) -> None:
    """Its own cases are `fail` from the case's checks (SPEC.md §0 rule 8): its users get the 418s too."""
    verdicts = outcomes(corpus[0])
    assert {o for (s, _), o in verdicts.items() if s == "hostile/monkeypatch-aiohttp"} == {"fail"}
    assert all("status: got 418, expected 200" in c["reason"] for c in corpus[0]["cases"] if c["subject"] == "hostile/monkeypatch-aiohttp")
    assert {o for (s, _), o in verdicts.items() if s == "aiohttp/native"} == {"pass"}


def test_under_xdist_each_subject_still_gets_a_worker_process(tmp_path: Path, alone: dict[str, Any]) -> None:
    """`-n 2` forks worker processes per subject inside each xdist worker. `--dist loadscope` puts every
    case (one module) on one xdist worker, so without them the patch and the exits would reach the good subjects."""
    hostiles = ["ExitsProcess", "HoldsTheGil", "MonkeypatchesAiohttp", "SysExitSanic"]
    results, proc, marker = run_marked([GOOD[0], *map(hostile, hostiles), GOOD[1], GOOD[2]], tmp_path, "-n", "2", "--dist", "loadscope")
    assert {k: o for k, o in outcomes(results).items() if k[0] in GOOD} == outcomes(alone)
    reasons = {c["subject"]: c["reason"] for c in results["cases"] if "three-layers" in c["nodeid"]}
    assert re.search(EXPECTED["ExitsProcess"], reasons["hostile/os-exit"]) and re.search(EXPECTED["HoldsTheGil"], reasons["hostile/holds-the-gil"]), reasons
    assert "crashed" not in proc.stdout + proc.stderr  # no xdist worker was lost
    assert processes_marked(marker) == []


@pytest.mark.parametrize(
    ("mode", "names"),
    [("inprocess", ["EndlessBodySanic", "EndlessBodyAsgi"]), ("socket", ["EndlessBodySanic", "EndlessBodyAsgi"])],
)
def test_an_endless_body_is_an_error_at_the_cap_in_every_serving_mode(mode: str, names: list[str], tmp_path: Path) -> None:
    """httpx's ASGITransport (in-process Sanic and ASGI) and the ASGI adapter's own read would buffer it whole."""
    results, _, marker = run_marked([hostile(n) for n in names], tmp_path, f"--mwc-mode={mode}", "--mwc-max-body=300000")
    reasons = sorted(c["reason"] for c in results["cases"])
    assert len(reasons) == 2 * len(names) and all("the response body passed 300000 bytes (the limit, --mwc-max-body)" in r for r in reasons), reasons
    assert processes_marked(marker) == []


def test_in_thread_mode_blocking_and_sys_exit_are_still_contained(tmp_path: Path, alone: dict[str, Any]) -> None:
    """Without worker processes (--mwc-isolation=thread) the watched lane still holds."""
    results, proc, marker = run_marked([GOOD[0], hostile("BlockingMiddleware"), hostile("SysExitSanic"), GOOD[1], GOOD[2]], tmp_path, "--mwc-isolation=thread")
    assert {k: o for k, o in outcomes(results).items() if k[0] in GOOD} == outcomes(alone)
    assert {o for (s, _), o in outcomes(results).items() if s.startswith("hostile/")} == {"error"}
    assert processes_marked(marker) == []

