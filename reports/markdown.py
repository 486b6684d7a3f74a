"""The Markdown summary, for a CI step summary (`mwconform report ... --markdown
"$GITHUB_STEP_SUMMARY"`) or a pull-request comment: per area, the packages ranked worst first with
their conformance, then every broken MUST and SECURITY requirement (known deviations included),
then unrecorded failures, errors and stale known deviations. What it quotes is escaped: a reason
can carry a response body."""

from __future__ import annotations

import re

from .conformance import BLOCKING
from .model import WORST_FIRST, Report

MAX_LISTED = 50  # items listed one per line; more would bury the tables
MAX_QUOTED = 300  # characters of one quoted reason
_SPECIAL = re.compile(r"([\\`*_\[\]<>|&])")  # what can start markup mid-line (and HTML)


def summary(report: Report, index: str = "") -> str:
    levels = report.levels
    lines = ["## mwconform conformance", ""]
    for run in report.incomplete:
        lines += [f"> **Incomplete run** {_text(run['file'])}: {_text(run['incomplete'])}. Verdicts missing from it are not failures; rerun to complete.", ""]
    lines.append("| area | subject | conformance | " + " | ".join(levels) + " | fail | error | known | n/a |")
    lines.append("|---|---|---|" + "---:|" * (len(levels) + 4))
    for area in report.areas:
        for standing, baseline in [(c, False) for c in report.ranking(area)] + [(c, True) for c in report.baselines(area)]:
            scores = [f"{lv.passed}/{lv.judged}" if lv.judged else "-" for lv in (standing.levels[name] for name in levels)]
            counts = [str(standing.outcomes.get(o, 0)) for o in ("fail", "error", "known", "n/a")]
            verdict = f"**{standing.statement()}**" if standing.blocking else standing.statement()  # our own words: nothing to escape
            name = _code(standing.subject) + (" (baseline)" if baseline else "")
            lines.append(f"| {report.title(area)} | {name} | {verdict} | " + " | ".join(scores + counts) + " |")

    broken = [(s, b) for area in report.areas for s in report.ranking(area) + report.baselines(area) for b in s.blocking]
    if broken:
        lines += ["", f"### Broken MUST and SECURITY requirements ({len(broken)})", ""]
        lines.append("Known deviations are expected (recorded with a reason), not conformant; `mwconform run --strict` fails on them.")
        lines.append("")
        for s, b in broken[:MAX_LISTED]:
            cases = ", ".join(_code(c["id"]) for c in b.cases[:5]) + (f" and {len(b.cases) - 5} more" if len(b.cases) > 5 else "")
            lines.append(f"- **{b.outcome.upper()}** [{b.level}] {_code(s.subject)} {_code(b.requirement)}: {_text(b.cases[0]['reason'])} ({cases})")
        if len(broken) > MAX_LISTED:
            lines.append(f"- … and {len(broken) - MAX_LISTED} more in the HTML report")
    else:
        lines += ["", "No MUST or SECURITY requirement is broken" + (", known deviations included." if report.verdicts else ".")]

    bad = sorted(
        (v for v in report.verdicts if v.outcome in ("fail", "error") or v.stale_known),
        key=lambda v: (WORST_FIRST.index(v.outcome), report.levels.index(v.counted) if v.counted in report.levels else 9, v.subject, v.suite, v.id),
    )
    if bad:
        lines += ["", f"### Unrecorded failures, errors (expected crashes marked) and stale declarations ({len(bad)})", ""]
        for v in bad[:MAX_LISTED]:
            what = "STALE" if v.stale_known else v.outcome.upper() + (f" (expected crash: {_text(v.expected_crash)})" if v.expected_crash else "")
            lines.append(f"- **{what}** [{v.counted}] {_code(v.subject)} {_code(v.suite + '/' + v.id)}: {_text(v.reason)}")
        if len(bad) > MAX_LISTED:
            lines.append(f"- … and {len(bad) - MAX_LISTED} more in the HTML report")
    lines += [
        "",
        f"A subject is conformant when it breaks no {' or '.join(BLOCKING)} requirement; a known deviation counts as broken.",
        "Scores are cases passed of cases with a verdict (pass, fail, known) at each level.",
    ]
    if index:
        lines.append(f"Full report: {_text(index)}")
    return "\n".join(lines) + "\n"


def _text(text: str) -> str:
    """Quoted text on one line with every Markdown (and HTML) special character escaped."""
    flat = " ".join(str(text).split())
    if len(flat) > MAX_QUOTED:
        flat = flat[: MAX_QUOTED - 1] + "…"
    return _SPECIAL.sub(r"\\\1", flat)


def _code(text: str) -> str:
    """A name in a code span, unless it could close the span; then escaped text."""
    return f"`{text}`" if "`" not in text and len(text) <= MAX_QUOTED and text.isprintable() else _text(text)
