"""Where subjects disagree because their frameworks' profiles prescribe different behaviour,
and where subjects on the same case simply end differently: what changes when you move."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .model import Report, Row, Verdict


@dataclass
class Observed:
    verdict: Verdict
    requests: list[tuple[str, bool]]  # per request: what the subject did, and whether it differs from its profile


@dataclass
class ProfileColumn:
    profile: str
    prescribed: list[str]  # per request: what the reference predicts under this profile
    subjects: list[Observed]


@dataclass
class ProfileDifference:
    row: Row
    requests: list[str]
    columns: list[ProfileColumn]


def profile_of(report: Report, v: Verdict) -> str:
    return str(v.profile or report.subjects[v.subject]["profile"])


def profile_differences(report: Report) -> list[ProfileDifference]:
    """Cases whose expected behaviour differs between the profiles of the subjects that ran them."""
    found = []
    for row in report.rows.values():
        by_profile: dict[str, list[Verdict]] = {}
        for v in row.cells.values():
            by_profile.setdefault(profile_of(report, v), []).append(v)
        if len(by_profile) < 2:
            continue  # the evidence is read back from the report's spool only where profiles could differ
        prescribed = {p: next((e for v in vs if isinstance(e := report.case_data(v).get("expected"), list)), None) for p, vs in sorted(by_profile.items())}
        prescribed = {p: e for p, e in prescribed.items() if e is not None}
        if len(prescribed) < 2 or len({json.dumps([_brief(x) for x in e]) for e in prescribed.values()}) < 2:
            continue
        first = next(iter(prescribed.values()))
        requests = [str(x.get("request", f"request {i + 1}")) if isinstance(x, dict) else f"request {i + 1}" for i, x in enumerate(first)]
        columns = []
        for profile, expected in prescribed.items():
            wanted = [_brief(x) for x in expected]
            subjects = []
            for v in sorted(by_profile[profile], key=lambda v: v.subject):
                seen = [_brief(x) for x in report.case_data(v).get("observed") or []]
                subjects.append(Observed(v, [(s, i >= len(wanted) or s != wanted[i]) for i, s in enumerate(seen)]))
            columns.append(ProfileColumn(profile, wanted, subjects))
        found.append(ProfileDifference(row, requests, columns))
    return found


def outcome_differences(report: Report) -> list[tuple[Row, list[Verdict | None]]]:
    """Cases that end differently on different subjects (pass on one, fail or n/a on another),
    each with its verdict (or None) per subject in the report's order."""
    return [(row, [row.cells.get(name) for name in report.subject_names]) for row in report.rows.values() if len({v.outcome for v in row.cells.values()}) > 1]


def text(value: Any) -> str:
    """A compact one-line rendering of an evidence value (case.js shows evidence the same way)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value) if value else "(empty)"
    return json.dumps(value, sort_keys=True)


def _brief(item: Any) -> str:
    """`500 · A> B> <B <A` for a pipeline summary; the compact JSON of anything else."""
    if isinstance(item, dict) and ("status" in item or "trace" in item):
        return " · ".join(text(item[k]) for k in ("status", "trace") if k in item)
    return text(item)
