"""Timing helpers and the figures table: every figure is a median of repeats, in CPU time.

The machine the bench runs on may be busy, so wall-clock time is noisy; CPU time of this process
(`time.process_time`) or of a finished child (`os.wait4`) is not. Each figure is compared with an
anchor measured in the same run, so a slower or busier machine moves both alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def cpu_medians(fns: dict[str, Callable[[], object]], repeats: int, per: int = 1) -> dict[str, float]:
    """Median CPU seconds of one call of each function divided by `per` (the work units it does).

    The functions are sampled in turn, so a drift in machine load hits them all alike.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.process_time()
            fn()
            samples[name].append((time.process_time() - start) / per)
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass(frozen=True)
class Usage:
    """What a finished child process cost: wall and CPU seconds, peak resident set (MB)."""

    wall: float
    cpu: float
    rss_mb: float
    returncode: int


def run_child(argv: Sequence[str], env: dict[str, str] | None = None, cwd: str | None = None, timeout: float = 170.0) -> Usage:
    """Run `argv` to completion (output discarded) and read its own rusage with `wait4`.

    `wait4` reports the child and every descendant it waited for (xdist workers included): CPU is
    their sum, `ru_maxrss` the largest single process.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise RuntimeError(f"{' '.join(argv)} took more than {timeout:g} s")
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {errors.strip()[-600:]}")
    return Usage(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def least_of(runs: int, argv: Sequence[str], env: dict[str, str] | None = None) -> Usage:
    """`run_child` `runs` times; the run with the least CPU. A busy machine only ever adds time, and
    the growth figures compare differences of runs, where one slow run shows up as 40% growth."""
    return min((run_child(argv, env) for _ in range(runs)), key=lambda u: u.cpu)


@dataclass
class Figure:
    """One row: a measured value, the anchor it is compared with, and the target it must meet.

    `limit` applies to `ratio` when `on_ratio` is true, otherwise to `value`; `higher` says the
    limit is a floor (a speed-up) rather than a ceiling.
    """

    section: str
    what: str
    value: float | None
    unit: str
    anchor: str = ""
    anchor_value: float | None = None
    limit: float | None = None
    on_ratio: bool = False
    higher: bool = False
    note: str = ""
    #: The row of issue 17's table this figure answers ("" for none); `issue_table` lists them.
    issue_row: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.anchor_value:
            return None
        return self.value / self.anchor_value

    @property
    def met(self) -> bool | None:
        measured = self.ratio if self.on_ratio else self.value
        if self.limit is None or measured is None:
            return None
        return measured >= self.limit if self.higher else measured <= self.limit

    def target(self) -> str:
        if self.limit is None:
            return ""
        sign = "≥" if self.higher else "≤"
        return f"{sign} {self.limit:.3g}×" if self.on_ratio else f"{sign} {self.limit:.3g} {self.unit}"

    def verdict(self) -> str:
        if self.met is None:
            return "" if self.limit is None else "not measured"
        measured = self.ratio if self.on_ratio else self.value
        assert measured is not None and self.limit is not None
        if self.met:
            return "met"
        off = measured / self.limit if not self.higher else self.limit / measured
        return f"MISSED by {off:.2f}×"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "target": self.target(), "met": self.met, "verdict": self.verdict()}


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


#: Issue 17's table, in its order: every row is printed, measured or not.
ISSUE_ROWS = (
    "full matrix, speed-up of -n 2 (-n 0 wall ÷ -n 2 wall)",
    "one pipeline case over a socket, aiohttp ÷ TestServer+TestClient",
    "the same, Sanic socket ÷ sanic-testing asgi_client (× faster)",
    "README command 1 (main job) on a fresh clone",
    "README command 2 (tests) on a fresh clone",
    "mwconform report, 50,000 cases × 14 subjects",
    "mwconform report, 50,000 cases over 1,022 subjects",
)


def issue_table(figures: Sequence[Figure]) -> str:
    """Issue 17's rows: each with its figure, the anchor measured in the same run, target, verdict."""
    by_row: dict[str, list[Figure]] = {}
    for f in figures:
        if f.issue_row:
            by_row.setdefault(f.issue_row, []).append(f)
    lines = []
    for row in ISSUE_ROWS:
        found = by_row.get(row)
        if not found:
            lines.append(f"  {row}: not measured in this run")
        for f in found or ():
            anchor = f" beside {f.anchor} {_num(f.anchor_value)} (ratio {f.ratio:.2f}×)" if f.anchor and f.ratio is not None else ""
            lines.append(f"  {row}: {_num(f.value)} {f.unit}{anchor}; target {f.target() or '-'}: {f.verdict() or '-'}")
    return "\n".join(lines)


def table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table, one section after another."""
    head = ("what", "value", "anchor (same run)", "ratio", "target", "verdict")
    rows: list[tuple[str, ...]] = []
    section = None
    for f in figures:
        if f.section != section:
            section = f.section
            rows.append((f"[{section}]", "", "", "", "", ""))
        anchor = f"{f.anchor} {_num(f.anchor_value)}".strip() if f.anchor else ""
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
        value = f"{_num(f.value)} {f.unit}" if f.value is not None else "-"
        rows.append((f.what, value, anchor, ratio, f.target(), f.verdict()))
        if f.note:
            rows.append(("    " + f.note, "", "", "", "", ""))
    widths = [max(len(r[i]) for r in [head, *rows] if not r[0].startswith("    ") or i) for i in range(len(head))]
    widths[0] = min(widths[0], 58)
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    for r in rows:
        if r[0].startswith("    "):
            lines.append(r[0])
        else:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)
