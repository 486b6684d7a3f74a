"""The Markdown summary: one table of scores per subject and the failures, for a CI step
summary (`mwconform report ... --markdown "$GITHUB_STEP_SUMMARY"`) or a pull-request comment."""

from __future__ import annotations

from .model import WORST_FIRST, Report

MAX_LISTED = 50  # failures listed one per line; more would bury the table


def summary(report: Report, index: str = "") -> str:
    levels = report.levels
    lines = ["## mwconform conformance", ""]
    lines.append("| subject | profile | " + " | ".join(levels) + " | fail | error | known | n/a |")
    lines.append("|---|---|" + "---:|" * (len(levels) + 4))
    for name in report.subject_names:
        t = report.totals(name)
        scores = [f"{p}/{j}" if j else "-" for p, j in (t.levels[lv] for lv in levels)]
        counts = [str(t.outcomes[o]) for o in ("fail", "error", "known", "n/a")]
        lines.append(f"| `{name}` | {report.subjects[name]['profile']} | " + " | ".join(scores + counts) + " |")
    bad = sorted(
        (v for v in report.verdicts if v.outcome in ("fail", "error") or v.stale_known),
        key=lambda v: (WORST_FIRST.index(v.outcome), report.levels.index(v.level) if v.level in report.levels else 9, v.subject, v.suite, v.id),
    )
    if bad:
        lines += ["", f"### Failures, errors and stale known deviations ({len(bad)})", ""]
        for v in bad[:MAX_LISTED]:
            what = "STALE" if v.stale_known else v.outcome.upper()
            lines.append(f"- **{what}** [{v.level}] `{v.subject}` `{v.suite}/{v.id}`: {_inline(v.reason)}")
        if len(bad) > MAX_LISTED:
            lines.append(f"- … and {len(bad) - MAX_LISTED} more in the HTML report")
    else:
        lines += ["", "No failures, errors or stale known deviations."]
    lines += ["", "Scores are cases passed of cases with a verdict (pass, fail, known) at each level."]
    if index:
        lines.append(f"Full report: {index}")
    return "\n".join(lines) + "\n"


def _inline(reason: str) -> str:
    return reason.replace("|", "\\|").replace("\n", " ")
