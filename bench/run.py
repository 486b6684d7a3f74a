"""Run every benchmark and print the figures table; also `python -m bench` and `tox -e bench`.

    python bench/run.py [--only pipeline,cases,run,growth,report,isolation,clone] [--out bench/out/latest.json]

Timings are measured here and recorded, never asserted by the tests. Each figure is printed with
the anchor it was compared with in the same run, the ratio, the target and whether it was met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py` from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench import cases, clone, isolation, matrix, pipeline, report_scale  # noqa: E402
from bench.measure import Figure, issue_table, table  # noqa: E402

PARTS = ("pipeline", "cases", "run", "growth", "report", "isolation", "clone")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts to run (default all: {','.join(PARTS)})")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "out" / "latest.json"), help="where to write the figures (default %(default)s)")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part {unknown[0]!r}; accepted: {', '.join(PARTS)}")

    started, load_before = time.perf_counter(), os.getloadavg()
    figures: list[Figure] = []
    if "pipeline" in parts:
        figures += pipeline.measure()
    floors: dict[str, float] = {}
    if "cases" in parts or "run" in parts:
        case_figures, floors = cases.measure()
        figures += case_figures if "cases" in parts else []
    if "run" in parts:
        figures += matrix.measure_run(floors)
    if "growth" in parts:
        figures += matrix.measure_growth() + matrix.measure_examples()
    if "report" in parts:
        figures += report_scale.measure()
    if "isolation" in parts:
        figures += isolation.measure()
    if "clone" in parts:
        figures += clone.measure()
    load_after = os.getloadavg()

    header = (
        f"mwconform bench  python {platform.python_version()}  {os.cpu_count()} CPUs  "
        f"load average {load_before[0]:.1f} → {load_after[0]:.1f}  ({time.perf_counter() - started:.0f} s)"
    )
    print(header)
    print(table(figures))
    print("\nissue 17, row by row (anchors from this run):")
    print(issue_table(figures))
    missed = [f for f in figures if f.met is False]
    print(f"\n{sum(f.met is True for f in figures)} targets met, {len(missed)} missed" + (": " + "; ".join(f.what.strip() for f in missed) if missed else ""))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "schema": "mwconform-bench/1",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": {"before": load_before, "after": load_after},
        "figures": [f.to_json() for f in figures],
    }
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
