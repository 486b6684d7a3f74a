"""The HTML conformance report: a static site built from results files, readable from file://."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

OUTCOMES = ("pass", "fail", "error", "n/a", "known")


def load(paths: list[Path]) -> dict[str, Any]:
    """Merge results files: subjects, requirements and cases from every run."""
    merged: dict[str, Any] = {"runs": [], "subjects": {}, "requirements": {}, "cases": []}
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        merged["runs"].append({k: doc[k] for k in ("mwconform", "python", "mode", "started", "duration")} | {"file": path.name})
        merged["subjects"].update(doc["subjects"])
        merged["requirements"].update(doc["requirements"])
        merged["cases"].extend(doc["cases"])
    return merged


def build(paths: list[Path], out: Path) -> Path:
    """Write the report into `out`; return the path of its index page."""
    data = load(paths)
    subjects = sorted({c["subject"] for c in data["cases"]})
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for c in data["cases"]:
        row = rows.setdefault((c["suite"], c["id"]), {"case": c, "cells": {}})
        row["cells"][c["subject"]] = c
    totals = {s: Counter(c["outcome"] for c in data["cases"] if c["subject"] == s) for s in subjects}
    env = Environment(loader=PackageLoader("mwconform.reports", "templates"), autoescape=select_autoescape())
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    index.write_text(
        env.get_template("index.html.j2").render(
            data=data, subjects=subjects, rows=[rows[k] for k in sorted(rows)], totals=totals, outcomes=OUTCOMES
        ),
        encoding="utf-8",
    )
    return index
