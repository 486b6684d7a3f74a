"""What changed between two runs (`mwconform diff OLD.json NEW.json`): new failures and errors
(regressions), fixed requirements, changed reasons, newly stale known deviations, subjects and
cases added or removed, and the package versions that moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conformance import BROKEN
from .model import read
from .schema import validate

Key = tuple[str, str, str]  # subject, suite, case id


@dataclass
class Change:
    subject: str
    suite: str
    id: str
    level: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def arrow(self) -> str:
        return f"{self.old['outcome'] if self.old else '-'} -> {self.new['outcome'] if self.new else '-'}"


@dataclass
class Changes:
    old: str
    new: str
    warnings: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    regressions: list[Change] = field(default_factory=list)  # newly broken (fail/known) or newly error
    fixed: list[Change] = field(default_factory=list)
    reasons: list[Change] = field(default_factory=list)  # still broken, for another reason
    stale: list[Change] = field(default_factory=list)
    other: list[Change] = field(default_factory=list)  # fail <-> known, coverage gained or lost
    subjects_added: list[str] = field(default_factory=list)
    subjects_removed: list[str] = field(default_factory=list)
    cases_added: list[Key] = field(default_factory=list)
    cases_removed: list[Key] = field(default_factory=list)


def compare(old_path: Path, new_path: Path) -> Changes:
    """Compare two results files; bad input (another schema version, no subject in common, not a
    results file) raises ValueError with one line. An incomplete run is compared with a warning."""
    old, new = read(old_path), read(new_path)
    versions = old.get("schema"), new.get("schema")
    if versions[0] != versions[1]:
        raise ValueError(f"cannot compare {old_path} ({versions[0]}) with {new_path} ({versions[1]}): rerun the older side with this mwconform so both files have one schema")
    validate(old, str(old_path))
    validate(new, str(new_path))
    changes = Changes(str(old_path), str(new_path))
    old_subjects = {c["subject"] for c in old["cases"]} | set(old["subjects"])
    new_subjects = {c["subject"] for c in new["cases"]} | set(new["subjects"])
    if not old_subjects & new_subjects:
        raise ValueError(
            f"{old_path} grades {_names(old_subjects)} and {new_path} grades {_names(new_subjects)}: no subject in common; diff compares two runs of the same subjects"
        )
    for label, doc, what in ((old_path, old, "added"), (new_path, new, "removed")):
        if not doc["complete"]:
            changes.warnings.append(f"{label} is incomplete ({doc['incomplete']}): cases missing from it are not listed as {what}")
    changes.subjects_added = sorted(new_subjects - old_subjects)
    changes.subjects_removed = sorted(old_subjects - new_subjects)
    moved_for: dict[str, list[str]] = {}  # one line per version change, naming the subjects it concerns
    for name in sorted(old_subjects & new_subjects):
        before = old["subjects"].get(name, {}).get("versions", {})
        after = new["subjects"].get(name, {}).get("versions", {})
        for d in sorted(set(before) | set(after)):
            if before.get(d) != after.get(d):
                moved_for.setdefault(f"{d} {before.get(d, '-')} -> {after.get(d, '-')}", []).append(name)
    changes.versions = [f"{moved} ({_names(set(names))})" for moved, names in moved_for.items()]
    a = {(c["subject"], c["suite"], c["id"]): c for c in old["cases"]}
    b = {(c["subject"], c["suite"], c["id"]): c for c in new["cases"]}
    shared = old_subjects & new_subjects
    if old["complete"]:
        changes.cases_added = sorted(k for k in b.keys() - a.keys() if k[0] in shared)
    if new["complete"]:
        changes.cases_removed = sorted(k for k in a.keys() - b.keys() if k[0] in shared)
    for key in sorted(a.keys() & b.keys()):
        _classify(changes, Change(*key, b[key]["level"], a[key], b[key]))
    return changes


def _classify(changes: Changes, change: Change) -> None:
    was, now = change.old["outcome"], change.new["outcome"]  # type: ignore[index]
    if (now in BROKEN and was not in BROKEN) or (now == "error" and was != "error"):
        changes.regressions.append(change)
    elif was in BROKEN and now == "pass":
        changes.fixed.append(change)
    elif was != now:
        changes.other.append(change)
    elif now in BROKEN and change.old["reason"] != change.new["reason"]:  # type: ignore[index]
        changes.reasons.append(change)
    if change.new["stale_known"] and not change.old["stale_known"]:  # type: ignore[index]
        changes.stale.append(change)


def render(changes: Changes) -> str:
    """The comparison as plain text for terminals and CI logs."""
    lines = [f"mwconform diff: {changes.old} -> {changes.new}"]
    lines += [f"warning: {w}" for w in changes.warnings]
    lines += [f"versions: {v}" for v in changes.versions]

    def section(title: str, items: list[Change], line: Any) -> None:
        if items:
            lines.extend(["", f"{title} ({len(items)})", *(f"  {line(c)}" for c in items)])

    def where(c: Change) -> str:
        return f"[{c.level}] {c.subject} {c.suite}/{c.id}"

    section("REGRESSIONS", changes.regressions, lambda c: f"{where(c)}: {c.arrow}: {c.new['reason']}")  # type: ignore[index]
    section("FIXED", changes.fixed, lambda c: f"{where(c)}: {c.arrow}")
    section("CHANGED REASONS", changes.reasons, lambda c: f"{where(c)}: {c.new['outcome']}: was {c.old['reason']!r}, now {c.new['reason']!r}")  # type: ignore[index]
    section("NEWLY STALE KNOWN DEVIATIONS", changes.stale, lambda c: f"{where(c)}: {c.new['reason']}")  # type: ignore[index]
    section("OTHER OUTCOME CHANGES", changes.other, lambda c: f"{where(c)}: {c.arrow}" + (f": {c.new['reason']}" if c.new["reason"] else ""))  # type: ignore[index]
    for title, names in (("SUBJECTS ADDED", changes.subjects_added), ("SUBJECTS REMOVED", changes.subjects_removed)):
        if names:
            lines.extend(["", f"{title} ({len(names)})", *(f"  {n}" for n in names)])
    for title, keys in (("CASES ADDED", changes.cases_added), ("CASES REMOVED", changes.cases_removed)):
        if keys:
            lines.extend(["", f"{title} ({len(keys)})", *(f"  {s} {suite}/{i}" for s, suite, i in keys)])
    counts = [
        (len(changes.regressions), "regressions"),
        (len(changes.fixed), "fixed"),
        (len(changes.reasons), "changed reasons"),
        (len(changes.stale), "newly stale"),
        (len(changes.other), "other changes"),
        (len(changes.cases_added) + len(changes.subjects_added), "added"),
        (len(changes.cases_removed) + len(changes.subjects_removed), "removed"),
    ]
    lines += ["", "summary: " + ", ".join(f"{n} {what}" for n, what in counts)]
    return "\n".join(lines)


def _names(subjects: set[str]) -> str:
    shown = sorted(subjects)
    return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "") if shown else "no subject"
