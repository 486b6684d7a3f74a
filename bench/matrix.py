"""Items 3 and 4: the whole conformance run, as `tox -e report` runs it, and how it grows.

Every command runs as a child process whose own rusage (`os.wait4`) gives its CPU and peak RSS.
The floor is what no run can avoid: the pytest process's start-up and collection (measured with
`--collect-only`), plus, for every case that ran, the per-case CPU of item 2 for its adapter.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from mwconform.adapters import ADAPTERS as ALL_ADAPTERS
from mwconform.adapters import subjects_of

from .clones import specs
from .measure import ISSUE_ROWS, Figure, Usage, least_of, run_child

ROOT = Path(__file__).resolve().parent.parent
RAN = ("pass", "fail", "known", "error")  # outcomes whose case body ran (n/a stops before)
#: The adapters of the report env, which the bench env mirrors; sanic-ext runs in an environment
#: of its own (`tox -e sanic-ext`) because it changes every Sanic app in its process.
ADAPTERS = tuple(a for a in ALL_ADAPTERS if a != "sanic-ext")


def child_env() -> dict[str, str]:
    """The environment for children: the checkout importable (for `bench.clones`)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def mwconform(*args: str) -> list[str]:
    return [sys.executable, "-m", "mwconform.cli", *args]


#: Seconds one whole run may take: ~60 s idle, several times that on a machine shared with others.
MATRIX_TIMEOUT = 900.0


def run_matrix(out: Path, pytest_args: Sequence[str] = ()) -> tuple[Usage, dict[str, int]]:
    """Every adapter's suites in one process, as `tox -e report` runs them; usage, cases run per adapter."""
    adapters = [f"--adapter={a}" for a in ADAPTERS]
    usage = run_child(mwconform("run", *adapters, "--json", str(out), "--no-fail", *pytest_args), child_env(), timeout=MATRIX_TIMEOUT)
    results = json.loads(out.read_text())
    ran = Counter(results["subjects"][c["subject"]]["adapter"] for c in results["cases"] if c["outcome"] in RAN)
    return usage, {a: ran[a] for a in ADAPTERS}


def startup() -> Usage:
    """One pytest process up to the first case: interpreter, plugins, imports, collection."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tempfile.gettempdir(), "--collect-only"]
    return run_child([*argv, "--pyargs", "mwconform.suites", *(f"--mwc-adapter={a}" for a in ADAPTERS)], child_env())


#: -n 0 / -n 2 pairs of the whole run; the machine may be shared, so each pair runs back to back
#: and the figure is the median pair's ratio.
PAIRS = 2


def measure_run(case_floor_ms: dict[str, float]) -> list[Figure]:
    section = "3. whole run: every suite × every subject in one process, -n 0 and -n 2 (as tox -e report)"
    pairs: list[tuple[Usage, Usage]] = []
    with tempfile.TemporaryDirectory(prefix="mwc-bench-") as tmp:
        for k in range(PAIRS):
            serial, per_adapter = run_matrix(Path(tmp) / f"n0-{k}.json")
            parallel, _ = run_matrix(Path(tmp) / f"n2-{k}.json", ["--", "-n", "2"])
            pairs.append((serial, parallel))
    serial, parallel = sorted(pairs, key=lambda p: p[0].wall / p[1].wall)[len(pairs) // 2]
    start = startup()
    cases_cpu = sum(per_adapter[a] * case_floor_ms.get(a, 0.0) / 1e3 for a in ADAPTERS)
    speedups = ", ".join(f"{s.wall:.1f}/{p.wall:.1f} s = {s.wall / p.wall:.2f}×" for s, p in pairs)
    return [
        Figure(section, "cases executed (pass/fail/known/error)", sum(per_adapter.values()), "cases", note=", ".join(f"{a} {n}" for a, n in per_adapter.items())),
        Figure(section, "pytest start-up + collection, CPU (floor part)", start.cpu, "s"),
        Figure(section, "CPU, -n 0", serial.cpu, "s", "floor", start.cpu + cases_cpu, 1.5, on_ratio=True, note="floor = start-up + Σ cases × per-case CPU of item 2"),
        Figure(section, "wall, -n 0", serial.wall, "s", "floor", start.wall + cases_cpu, 60.0),
        Figure(section, "peak RSS (largest process), -n 0", serial.rss_mb, "MB", limit=500.0),
        Figure(section, "wall, -n 2", parallel.wall, "s", "-n 0", serial.wall, limit=60.0),
        Figure(section, "CPU, -n 2 (all processes)", parallel.cpu, "s", "-n 0", serial.cpu),
        Figure(section, "peak RSS (largest process), -n 2", parallel.rss_mb, "MB", limit=500.0),
        Figure(
            section, "speed-up: -n 0 wall ÷ -n 2 wall (median pair)", serial.wall, "s", "-n 2 wall", parallel.wall, 1.6, on_ratio=True, higher=True,
            issue_row=ISSUE_ROWS[0], note=f"pairs run back to back (-n 0 / -n 2): {speedups}",
        ),
    ]


#: Runs per growth step (the least CPU counts).
GROWTH_RUNS = 2


def measure_growth(copies: Sequence[int] = (1, 2, 4)) -> list[Figure]:
    """The whole matrix in one process with each subject repeated k times."""
    # The pipeline suite stands for the matrix here: linearity in subjects is the question, and the
    # full matrix at 4× would alone take minutes of the bench's 3-minute budget.
    section = "4. growth: every subject repeated k times, pipeline suite, one process"
    names = [s.name for a in ADAPTERS for s in subjects_of(a) if "pipeline" in s.suites]
    adapters = [f"--adapter={a}" for a in ADAPTERS]
    usage: dict[int, Usage] = {}
    with tempfile.TemporaryDirectory(prefix="mwc-bench-") as tmp:
        for k in copies:
            subjects = [f"--subject={s}" for s in specs(names, k)]
            usage[k] = least_of(GROWTH_RUNS, mwconform("run", *adapters, *subjects, "--suite", "pipeline", "--json", f"{tmp}/k{k}.json", "--no-fail"), child_env())
        top = max(copies)
        subjects = [f"--subject={s}" for s in specs(names, top)]
        parallel = run_child(mwconform("run", *adapters, *subjects, "--suite", "pipeline", "--json", f"{tmp}/n2.json", "--no-fail", "--", "-n", "2"), child_env())
    figures = [Figure(section, f"{k}× subjects ({k * len(names)}): wall / CPU / peak RSS", usage[k].cpu, "s CPU", note=f"wall {usage[k].wall:.2f} s, peak RSS {usage[k].rss_mb:.0f} MB") for k in copies]
    speedup = usage[top].wall / parallel.wall
    figures.append(Figure(section, f"speed-up of -n 2 over -n 0 (wall) at {top}× subjects", speedup, "×", limit=1.6, higher=True, note=f"-n 2: wall {parallel.wall:.2f} s, CPU {parallel.cpu:.2f} s"))
    return figures + linear(section, "subject copies", usage, copies)


def measure_examples(factors: Sequence[int] = (1, 2, 4)) -> list[Figure]:
    """The properties suite over every bundled subject with 1×, 2×, 4× the CI example budget."""
    section = "4. growth: hypothesis examples per property case (properties suite, every subject)"
    adapters = [f"--adapter={a}" for a in ADAPTERS]
    usage: dict[int, Usage] = {}
    with tempfile.TemporaryDirectory(prefix="mwc-bench-") as tmp:
        for k in factors:
            argv = mwconform("run", *adapters, "--suite", "properties", "--json", f"{tmp}/x{k}.json", "--no-fail", "--", "-p", "bench.hprofiles", f"--hypothesis-profile=mwc-bench-x{k}")
            usage[k] = least_of(GROWTH_RUNS, argv, child_env())
    figures = [Figure(section, f"{k}× examples: wall / CPU / peak RSS", usage[k].cpu, "s CPU", note=f"wall {usage[k].wall:.2f} s, peak RSS {usage[k].rss_mb:.0f} MB") for k in factors]
    return figures + linear(section, "example budget", usage, factors)


def linear(section: str, what: str, usage: dict[int, Usage], steps: Sequence[int]) -> list[Figure]:
    """Cost per added unit in the second step against the first: ≈ 1× when growth is linear."""
    lo, mid, hi = steps
    figures = []
    for name, unit, get in (("CPU", "s", lambda u: u.cpu), ("wall", "s", lambda u: u.wall), ("peak RSS", "MB", lambda u: u.rss_mb)):
        first = (get(usage[mid]) - get(usage[lo])) / (mid - lo)
        later = (get(usage[hi]) - get(usage[mid])) / (hi - mid)
        figures.append(
            Figure(section, f"{name} per added {what}, {mid}→{hi} vs {lo}→{mid}", later, unit, f"{lo}→{mid}", first, 1.25, on_ratio=True, note="linear growth ≈ 1×; > 1.25× would be worse than linear")
        )
    return figures
