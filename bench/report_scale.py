"""How the HTML report scales: issue 17's two shapes of 50,000 verdicts, synthesized, each built once.

    python -m bench.report_scale [--shapes 14,1022] [--verdicts 10000,25000,50000] [--python PY] [--no-browser]

A shape is a number of subjects that every synthetic case runs on: 14 subjects (3,572 cases, a wide
matrix of long areas) and 1,022 subjects (49 cases, a matrix 1,022 subjects wide), each at 10,000,
25,000 and 50,000 verdicts so that growth shows. Each build is `mwconform report` in a child process
(`--python` picks the interpreter, e.g. an older checkout's venv for a before/after pair): its wall
time, peak RSS (the child's own rusage), the size of index.html and of the whole site on disk (what
`du` counts: whole blocks per file). At 50,000 verdicts of 14 subjects, real headless Chromium
(Debian's chromium through Playwright) opens the index and types into the search box: the time to
the load event, and, with the filters at the top of the window and the first area's matrix in view,
the median time from a keystroke to the filtered rows painted. Measured here,
never asserted in a test. Each case carries evidence the size of the pipeline suite's: two requests
with headers and a body excerpt, traces, expected and observed summaries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/report_scale.py` from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from mwconform import spec  # noqa: E402

from .measure import ISSUE_ROWS, Figure, Usage, run_child, table  # noqa: E402

AREAS = ("pipeline", "cors", "session", "jwt")
OUTCOMES = ("pass",) * 14 + ("fail", "fail", "known", "n/a", "error")
SIZES = (10_000, 25_000, 50_000)
#: What the search box is given, one keystroke at a time, in the browser measurement.
TYPED = "input 7"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class Shape:
    subjects: int
    issue_row: str
    build_s: float
    rss_mb: float | None
    index_mb: float | None
    disk_mb: float | None
    browser: bool


SHAPES = {
    14: Shape(14, ISSUE_ROWS[5], build_s=10.0, rss_mb=200.0, index_mb=3.0, disk_mb=None, browser=True),
    1022: Shape(1022, ISSUE_ROWS[6], build_s=60.0, rss_mb=None, index_mb=None, disk_mb=300.0, browser=False),
}


def write_results(path: Path, subjects: int, verdicts: int, seed: int = 6) -> None:
    """A results document of ceil(verdicts / subjects) cases, every one run on every subject,
    written case by case: this process never holds it. The kernel counts
    the RSS high-water mark of the process that spawns the build into the build's own `ru_maxrss`
    (the spawning address space is the child's until exec), so a bench that held the 105 MB
    document reported its own size as the build's."""
    names = _names(subjects)
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(_head(names))[:-1] + ', "cases": [')
        for n, case in enumerate(_cases(names, verdicts, seed)):
            out.write((", " if n else "") + json.dumps(case))
        out.write("]}")


def _names(subjects: int) -> list[str]:
    return [f"framework{i // 2}/variant-{i}" for i in range(subjects)]


def _head(names: list[str]) -> dict[str, object]:
    requirements = spec.requirements()
    return {
        "schema": "mwconform-results/2", "mwconform": "bench", "python": sys.version.split()[0], "platform": "bench", "mode": "default", "complete": True,
        "started": "2026-01-01T00:00:00+00:00", "duration": 1.0,
        "subjects": {n: {"adapter": n.split("/")[0], "profile": "onion", "description": "synthetic", "capabilities": [], "modes": ["socket"], "versions": {"framework": "1.0"}, "known": {}, "spec": n} for n in names},
        "requirements": {r: {"title": q.title, "level": q.level, "text": q.text, "sources": [{"title": t, "url": u} for t, u in q.sources]} for r, q in requirements.items()},
    }


def _cases(names: list[str], verdicts: int, seed: int) -> Iterator[dict[str, object]]:
    import random

    rnd = random.Random(seed)
    ids = sorted(spec.requirements())
    trace = ["A>", "B>", "C>", "H", "<C:200", "<B:200", "<A:200"]
    for n in range(-(-verdicts // len(names))):
        area = AREAS[n % len(AREAS)]
        rids = tuple(rnd.sample(ids, 2))
        case = {
            "id": f"{area}.group-{n % 17}.case-{n:05d}", "suite": area, "title": f"input {n}: A, B, C around GET /r/{n} with Origin and a cookie",
            "requirements": list(rids), "level": spec.strongest(rids), "expect": "The client gets 200 and every layer's response phase runs in reverse order.",
            "stale_known": False, "duration": 0.003, "profile": "onion", "mode": "socket",
        }
        request = {"method": "GET", "path": f"/r/{n}", "headers": [["origin", "https://app.example.com"], ["cookie", "s=1"]]}
        response = {"status": 200, "headers": [["content-type", "application/json"], ["vary", "Origin"], ["x-mw", "C"]], "body": json.dumps({"case": n, "pad": "x" * 120})}
        for name in names:
            outcome = rnd.choice(OUTCOMES)
            observed = trace if outcome == "pass" else trace[:-2]
            summary = {"request": "GET /ok", "status": 200, "headers": {"x-mw": ["C", "B", "A"]}}
            exchange = {"request": request, "response": response, "trace": observed}
            yield case | {
                "subject": name, "nodeid": f"test_{area}.py::test_{area}[{name}-{case['id']}]", "outcome": outcome,
                "reason": "" if outcome == "pass" else f"GET /r/{n}: trace: got {' '.join(observed)}, expected {' '.join(trace)}",
                "expected": [summary | {"trace": trace}] * 2, "observed": [summary | {"trace": observed}] * 2, "exchanges": [exchange, exchange],
                "differences": [] if outcome == "pass" else ["trace differs"],
            }


def on_disk(folder: Path) -> tuple[int, int]:
    """(bytes of content, bytes on disk as `du` counts them: whole blocks) of every file under `folder`."""
    content = blocks = 0
    for path in folder.rglob("*"):
        st = path.stat()
        content += st.st_size if path.is_file() else 0
        blocks += st.st_blocks * 512
    return content, blocks


def build(results: Path, out: Path, python: str) -> Usage:
    """`mwconform report` in a child process; its wall time, CPU and peak RSS."""
    return run_child([python, "-m", "mwconform.cli", "report", str(results), "-o", str(out)], env={**os.environ, "PYTHONWARNINGS": "ignore"}, timeout=1800)


#: Installed once in the page: each keystroke's time from keydown (capture phase, before any
#: handler) to the frame after the shown-rows counter changed (the filtered rows are painted).
_KEY_PROBE = """() => {
  window.__keys = [];
  const q = document.getElementById('f-q'), shown = document.getElementById('shown');
  q.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
  new MutationObserver(() => { const t0 = window.__t0; if (t0 === undefined) return; window.__t0 = undefined;
    requestAnimationFrame(() => setTimeout(() => window.__keys.push(performance.now() - t0), 0)); })
    .observe(shown, {childList: true, characterData: true, subtree: true});
}"""


def in_chromium(index: Path) -> tuple[float, list[float]]:
    """(seconds from navigation to the load event, milliseconds per keystroke of TYPED in the search box)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(index.as_uri(), wait_until="load", timeout=300_000)
            load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
            page.evaluate(_KEY_PROBE)
            # The filters at the top of the window and the first area's matrix below them, drawn:
            # each keystroke redraws what is on screen.
            page.evaluate("document.getElementById('filters').scrollIntoView()")
            page.wait_for_function("!document.querySelector('.matrix[data-src]') || document.querySelector('.matrix[data-ready] tr.case')", timeout=120_000)
            page.focus("#f-q")
            # A lazily loaded index fetches its search data on focus; keystrokes are timed after it.
            page.wait_for_function("!document.querySelector('.matrix[data-src]:not([data-ready])')", timeout=120_000)
            for n, key in enumerate(TYPED, 1):
                page.keyboard.press(key if key != " " else "Space")
                page.wait_for_function(f"window.__keys.length >= {n}", timeout=120_000)
            return load, page.evaluate("window.__keys")
        finally:
            browser.close()


def measure(shapes: tuple[int, ...] = (14, 1022), sizes: tuple[int, ...] = SIZES, python: str = sys.executable, browser: bool = True) -> list[Figure]:
    figures: list[Figure] = []
    for subjects in shapes:
        shape = SHAPES[subjects]
        section = f"5. report build: 50,000 verdicts of {subjects} subjects, and at {', '.join(f'{s:,}' for s in sizes)} (bench/report_scale.py)"
        per_verdict: list[tuple[int, float, float]] = []
        for verdicts in sizes:
            with tempfile.TemporaryDirectory(prefix="mwc-report-scale-") as tmp:
                results, out = Path(tmp) / "results.json", Path(tmp) / "out"
                write_results(results, subjects, verdicts)
                usage = build(results, out, python)
                content, disk = on_disk(out)
                index_mb = (out / "index.html").stat().st_size / 1e6
                files = sum(1 for _ in out.rglob("*"))
                per_verdict.append((verdicts, usage.cpu, disk))  # CPU: wall time is noise on a busy machine
                last = verdicts == sizes[-1]
                row = shape.issue_row if last and verdicts == 50_000 else ""
                at = f"{verdicts:,} verdicts"
                figures += [
                    Figure(section, f"{at}: build (wall)", usage.wall, "s", limit=shape.build_s if row else None, issue_row=row, note=f"CPU {usage.cpu:.1f} s; input {results.stat().st_size / 1e6:.0f} MB; {files:,} files, {content / 1e6:.0f} MB of content"),
                    Figure(section, f"{at}: peak RSS", usage.rss_mb, "MB", limit=shape.rss_mb if row else None, issue_row=row if shape.rss_mb else ""),
                    Figure(section, f"{at}: index.html", index_mb, "MB", limit=shape.index_mb if row else None, issue_row=row if shape.index_mb else ""),
                    Figure(section, f"{at}: site on disk (du)", disk / 1e6, "MB", limit=shape.disk_mb if row else None, issue_row=row if shape.disk_mb else ""),
                ]
                if last and browser and shape.browser:
                    load, keys = in_chromium(out / "index.html")
                    figures += [
                        Figure(section, f"{at}: index load in Chromium (to the load event)", load, "s", limit=1.0, note="our target: the issue names none"),
                        Figure(section, f"{at}: search keystroke to rows painted (median)", statistics.median(keys), "ms", limit=100.0, issue_row=row, note=f"each of {TYPED!r}: " + ", ".join(f"{k:.0f}" for k in keys) + " ms"),
                    ]
        if len(per_verdict) > 1:
            (n0, t0, d0), (n1, t1, d1) = per_verdict[0], per_verdict[-1]
            figures += [
                Figure(section, f"growth: build CPU per verdict at {n1:,} ÷ at {n0:,}", (t1 / n1) / (t0 / n0), "×", limit=1.25, note="linear: ≤ 1.25× (CPU " + ", ".join(f"{n:,}: {t:.1f} s" for n, t, _ in per_verdict) + ")"),
                Figure(section, f"growth: disk per verdict at {n1:,} ÷ at {n0:,}", (d1 / n1) / (d0 / n0), "×", limit=1.25, note="(" + ", ".join(f"{n:,}: {d / 1e6:.0f} MB" for n, _, d in per_verdict) + ")"),
            ]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="14,1022", help="subjects per shape, comma-separated (accepted: 14, 1022)")
    parser.add_argument("--verdicts", default=",".join(map(str, SIZES)), help="verdicts per build, comma-separated (default %(default)s)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose mwconform builds the report (default: this one)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    args = parser.parse_args(argv)
    try:
        shapes = tuple(int(s) for s in args.shapes.split(","))
        sizes = tuple(int(s) for s in args.verdicts.split(","))
    except ValueError:
        parser.error("--shapes and --verdicts take comma-separated whole numbers")
    if unknown := [s for s in shapes if s not in SHAPES]:
        parser.error(f"unknown shape {unknown[0]}; accepted: {', '.join(map(str, SHAPES))}")
    version = subprocess.run([args.python, "-c", "import mwconform.reports, os; print(os.path.dirname(mwconform.reports.__file__))"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"mwconform.reports from {version}", flush=True)
    for shape in shapes:  # a table per shape as soon as it is measured: a whole run takes minutes
        print(table(measure((shape,), sizes, args.python, not args.no_browser)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
