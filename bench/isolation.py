"""Item 6: what the isolation of issue 15 costs: worker processes, the watched lane, capped bodies.

- The whole matrix (every suite × every bundled subject, one process per adapter, as item 3) with
  each subject's cases in a worker process of its own (`--mwc-isolation=process`, the default)
  against the same run in the run's own process (`--mwc-isolation=thread`): the fork per subject.
  The same comparison for one `-n 2` run of the whole matrix, where each xdist worker forks them.
- The lane: a case handed to the lane's thread and watched from the caller (`harness.run`)
  against the same coroutine run on the caller's own loop, as the harness did before.
- Peak RSS of a run with a subject that streams an endless body, against the same run without it.
"""

from __future__ import annotations

import asyncio
import tempfile

from mwconform import harness

from .matrix import ADAPTERS, child_env, mwconform
from .measure import Figure, Usage, cpu_medians, least_of, run_child

RUNS = 2  # runs per matrix mode; the least CPU counts (a busy machine only ever adds time)
HANDOFFS = 200  # cases per lane sample
TIMEOUT = 900.0  # seconds one adapter's run may take on a busy machine


def matrix_modes() -> dict[str, Usage]:
    usage: dict[str, list[Usage]] = {"process": [], "thread": []}
    with tempfile.TemporaryDirectory(prefix="mwc-bench-") as tmp:
        for _ in range(RUNS):
            for mode in usage:  # alternated, so a drift in load hits both alike
                runs = [run_child(mwconform("run", "--adapter", a, "--json", f"{tmp}/{a}.json", "--no-fail", "--", f"--mwc-isolation={mode}"), child_env(), timeout=TIMEOUT) for a in ADAPTERS]
                usage[mode].append(Usage(sum(u.wall for u in runs), sum(u.cpu for u in runs), max(u.rss_mb for u in runs), 0))
    return {mode: min(runs, key=lambda u: u.cpu) for mode, runs in usage.items()}


def xdist_modes(adapters: tuple[str, ...] = ADAPTERS, runs: int = RUNS) -> dict[str, Usage]:
    """The whole matrix as one `-n 2` run, worker processes per subject inside each xdist worker or not."""
    usage: dict[str, list[Usage]] = {"process": [], "thread": []}
    selection = [arg for a in adapters for arg in ("--adapter", a)]
    with tempfile.TemporaryDirectory(prefix="mwc-bench-") as tmp:
        for _ in range(runs):
            for mode in usage:
                argv = mwconform("run", *selection, "--json", f"{tmp}/xdist.json", "--no-fail", "--", "-n", "2", f"--mwc-isolation={mode}")
                usage[mode].append(run_child(argv, child_env(), timeout=TIMEOUT))
    return {mode: min(runs, key=lambda u: u.cpu) for mode, runs in usage.items()}


def lane_handoff() -> dict[str, float]:
    async def case() -> None:
        await asyncio.sleep(0)

    own = asyncio.new_event_loop()
    try:
        return cpu_medians(
            {
                "lane": lambda: [harness.run(case()) for _ in range(HANDOFFS)],
                "own loop": lambda: [own.run_until_complete(case()) for _ in range(HANDOFFS)],
            },
            repeats=7,
            per=HANDOFFS,
        )
    finally:
        own.close()


def endless_body_rss() -> dict[str, Usage]:
    base = ["run", "--suite", "pipeline", "--subject", "aiohttp/native"]
    with tempfile.TemporaryDirectory(prefix="mwc-bench-") as tmp:
        argv = {
            "without": mwconform(*base, "--json", f"{tmp}/a.json", "--no-fail", "--", "-k", "three-layers or headers-added"),
            "with": mwconform(*base, "--subject", "tests.hostile.subjects:EndlessBody", "--json", f"{tmp}/b.json", "--no-fail", "--", "-k", "three-layers or headers-added"),
        }
        return {name: least_of(1, cmd, child_env()) for name, cmd in argv.items()}


def measure() -> list[Figure]:
    section = "6. isolation (issue 15): worker process per subject, watched lane, capped bodies"
    modes = matrix_modes()
    xdist = xdist_modes()
    lane = lane_handoff()
    rss = endless_body_rss()
    process, thread = modes["process"], modes["thread"]
    return [
        Figure(section, "whole run CPU, worker process per subject", process.cpu, "s", "in-process", thread.cpu, 1.10, on_ratio=True, note=f"least of {RUNS} runs each; wall {process.wall:.1f} s vs {thread.wall:.1f} s"),
        Figure(section, "whole run peak RSS (largest process), worker process per subject", process.rss_mb, "MB", "in-process", thread.rss_mb),
        Figure(section, "whole run CPU under -n 2, worker process per subject in each xdist worker", xdist["process"].cpu, "s", "in-process", xdist["thread"].cpu, 1.10, on_ratio=True, note=f"least of {RUNS} runs each; wall {xdist['process'].wall:.1f} s vs {xdist['thread'].wall:.1f} s"),
        Figure(section, "one case handed to the lane and watched", lane["lane"] * 1e6, "µs", "own loop", lane["own loop"] * 1e6, note="CPU per case of the hand-off alone (an empty coroutine)"),
        Figure(section, "peak RSS beside a subject streaming an endless body", rss["with"].rss_mb, "MB", "without it", rss["without"].rss_mb, note="bodies are read up to --mwc-max-body (1 MiB)"),
        Figure(section, "extra peak RSS from the endless body", rss["with"].rss_mb - rss["without"].rss_mb, "MB", limit=100.0),
    ]
