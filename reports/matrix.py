"""The data of one area's matrix on the index, written as data/<area>.js and drawn by matrix.js.

The index itself carries no matrix: at 50,000 verdicts the inline tables made it 28 MB and 16 s to
open. Each area's matrix is a script the index loads when the area nears the screen (or when a
filter needs every area); a script rather than JSON because browsers refuse fetch() from file://.

    mwconformArea({"area", "slug", "per_page", "columns": [[name, slug, profile or "baseline", baseline]],
                   "groups": [[level, requirement, title, [[source title, url]], [[outcome, "passed/verdicts"] per column]]],
                   "rows": [[group, case id, title, level, anchor, outcomes, search text, cells, {column: reason}]]})

`cells` has one letter per column (CODES; upper case for a stale known deviation, "-" where the
subject did not run the case); a verdict's page is cases/<column slug>/<slug>-<row // per_page>.html#<anchor>.
"""

from __future__ import annotations

import json
from typing import Any

from .model import PAGE_CASES, Report

#: One letter per outcome in a row's cells.
CODES = {"pass": "p", "fail": "f", "error": "e", "n/a": "n", "known": "k"}


def area_data(report: Report, area: str) -> dict[str, Any]:
    columns = report.columns(area)
    groups, rows = [], []
    for gi, g in enumerate(report.area_groups(area)):
        req = report.requirements.get(g.requirement, {})
        sources = [[s["title"], s["url"]] for s in req.get("sources", [])]
        groups.append([g.level, g.requirement, req.get("title", ""), sources, [list(g.cell(name)) for name in columns]])
        for row in g.rows:
            cells, reasons = [], {}
            for ci, name in enumerate(columns):
                v = row.cells.get(name)
                code = CODES.get(v.outcome, "-") if v else "-"
                cells.append(code.upper() if v and v.stale_known else code)
                if v and v.reason:
                    reasons[ci] = v.reason
            search = f"{row.suite}/{row.id} {row.title} {' '.join(row.requirements)}".lower()
            rows.append([gi, row.id, row.title, row.level, row.slug, " ".join(row.outcomes), search, "".join(cells), reasons])
    return {
        "area": area,
        "slug": report.area_slugs[area],
        "per_page": PAGE_CASES,
        "columns": [[name, report.subject_slugs[name], "baseline" if report.baseline(name) else report.subjects[name]["profile"], report.baseline(name)] for name in columns],
        "groups": groups,
        "rows": rows,
    }


def script(report: Report, area: str) -> str:
    """data/<area>.js: the area's data handed to matrix.js (what subjects sent stays inside JSON
    strings; matrix.js escapes every string it puts in the page)."""
    text = json.dumps(area_data(report, area), ensure_ascii=False, separators=(",", ":"))
    return f"mwconformArea({text});\n"
