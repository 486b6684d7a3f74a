"""Where `-n 2` spends the CPU that `-n 0` does not: every process's CPU by phase.

    python -m bench.profile_workers [ADAPTER ...]     # default: the whole run, as tox -e report

Runs the suites once with `-n 0` and once with `-n 2` (in that order, back to back) under the
`bench.phases` plugin and prints, per process, the CPU seconds of start-up, collection, cases and
finish, and the sum of each phase over the processes. What `-n 2` adds is the second column's sum
minus the first's; the machine may be shared, so compare CPU, not wall.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from .matrix import ADAPTERS, MATRIX_TIMEOUT, child_env, mwconform
from .measure import run_child


def phases(adapters: list[str], pytest_args: list[str]) -> tuple[dict[str, list[tuple[str, float, float]]], float]:
    """{process: [(phase, cpu, wall)]} and the run's wall seconds."""
    with tempfile.TemporaryDirectory(prefix="mwc-phases-") as tmp:
        argv = mwconform("run", *(f"--adapter={a}" for a in adapters), "--json", f"{tmp}/results.json", "--no-fail", "--", "-p", "bench.phases", *pytest_args)
        usage = run_child(argv, {**child_env(), "MWC_PHASES_DIR": tmp}, timeout=MATRIX_TIMEOUT)
        out = {}
        for path in sorted(Path(tmp).glob("*.json")):
            if path.name == "results.json":
                continue
            marks = json.loads(path.read_text())
            previous_cpu, previous_wall = 0.0, None
            rows = []
            for phase, cpu, wall in marks:
                rows.append((phase, cpu - previous_cpu, wall - previous_wall if previous_wall is not None else float("nan")))
                previous_cpu, previous_wall = cpu, wall
            out[path.stem] = rows
        return out, usage.wall


def show(title: str, processes: dict[str, list[tuple[str, float, float]]], wall: float) -> None:
    print(f"{title}: {len(processes)} process(es), {wall:.1f} s wall")
    totals: dict[str, float] = {}
    for name, rows in processes.items():
        print(f"  {name}: " + "; ".join(f"{phase} {cpu:.2f} s CPU" for phase, cpu, _ in rows))
        for phase, cpu, _ in rows:
            totals[phase] = totals.get(phase, 0.0) + cpu
    print("  all processes: " + "; ".join(f"{phase} {cpu:.2f} s" for phase, cpu in totals.items()) + f" = {sum(totals.values()):.2f} s CPU")


def main(argv: list[str]) -> int:
    adapters = argv or list(ADAPTERS)
    for label, args in (("-n 0", []), ("-n 2", ["-n", "2"])):
        show(label, *phases(adapters, args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
