"""How the HTML report scales: 6 subjects × 400 cases, synthesized, built once.

    python bench/report_scale.py [--subjects 6] [--cases 400]

Prints the build time and the size of index.html (targets: under 5 s, under 2 MB). Measured here,
never asserted in a test. The cases carry evidence the size of the pipeline suite's: two requests
with headers, a body excerpt, traces, expected and observed summaries.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from mwconform import spec
from mwconform.reports.html import build

AREAS = ("pipeline", "cors", "session", "jwt")
OUTCOMES = ("pass",) * 14 + ("fail", "fail", "known", "n/a", "error")


def synthesize(subjects: int, cases: int, seed: int = 6) -> dict[str, object]:
    rnd = random.Random(seed)
    requirements = spec.requirements()
    ids = sorted(requirements)
    names = [f"framework{i // 2}/variant-{i}" for i in range(subjects)]
    found = []
    for n in range(cases):
        area = AREAS[n % len(AREAS)]
        rids = tuple(rnd.sample(ids, 2))
        trace = ["A>", "B>", "C>", "H", "<C:200", "<B:200", "<A:200"]
        for name in names:
            outcome = rnd.choice(OUTCOMES)
            observed = trace if outcome == "pass" else trace[:-2]
            summary = {"request": "GET /ok", "status": 200, "headers": {"x-mw": ["C", "B", "A"]}}
            exchange = {
                "request": {"method": "GET", "path": f"/r/{n}", "headers": [["origin", "https://app.example.com"], ["cookie", "s=1"]]},
                "response": {"status": 200, "headers": [["content-type", "application/json"], ["vary", "Origin"], ["x-mw", "C"]], "body": json.dumps({"case": n, "pad": "x" * 120})},
                "trace": observed,
            }
            found.append({
                "id": f"{area}.group-{n % 17}.case-{n:04d}", "suite": area, "nodeid": f"test_{area}.py::test_{area}[{name}-{area}.case-{n:04d}]",
                "subject": name, "title": f"input {n}: A, B, C around GET /r/{n} with Origin and a cookie", "requirements": list(rids),
                "level": spec.strongest(rids), "expect": "The client gets 200 and every layer's response phase runs in reverse order.",
                "outcome": outcome, "reason": "" if outcome == "pass" else f"GET /r/{n}: trace: got {' '.join(observed)}, expected {' '.join(trace)}",
                "stale_known": False, "duration": 0.003, "profile": "onion", "mode": "socket",
                "expected": [summary | {"trace": trace}] * 2, "observed": [summary | {"trace": observed}] * 2, "exchanges": [exchange, exchange],
                "differences": [] if outcome == "pass" else ["trace differs"],
            })
    return {
        "schema": "mwconform-results/2", "mwconform": "bench", "python": sys.version.split()[0], "platform": "bench", "mode": "default", "complete": True,
        "started": "2026-01-01T00:00:00+00:00", "duration": 1.0,
        "subjects": {n: {"adapter": n.split("/")[0], "profile": "onion", "description": "synthetic", "capabilities": [], "modes": ["socket"], "versions": {"framework": "1.0"}, "known": {}, "spec": n} for n in names},
        "requirements": {r: {"title": q.title, "level": q.level, "text": q.text, "sources": [{"title": t, "url": u} for t, u in q.sources]} for r, q in requirements.items()},
        "cases": found,
    }


def measure(subjects: int = 6, cases: int = 400) -> tuple[float, int, int]:
    """Build the synthetic report once: (seconds, bytes of index.html, pages written)."""
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.json"
        results.write_text(json.dumps(synthesize(subjects, cases)), encoding="utf-8")
        started = time.perf_counter()
        index = build([results], Path(tmp) / "out")
        took = time.perf_counter() - started
        return took, index.stat().st_size, sum(1 for _ in (Path(tmp) / "out").rglob("*.html"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=6)
    parser.add_argument("--cases", type=int, default=400)
    args = parser.parse_args()
    took, size, pages = measure(args.subjects, args.cases)
    print(f"{args.subjects} subjects × {args.cases} cases: built {pages} pages in {took:.2f} s (target < 5 s); index.html {size / 1e6:.2f} MB (target < 2 MB)")


if __name__ == "__main__":
    main()
