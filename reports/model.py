"""Results files merged into what the report shows: rows of cases grouped by area, level and
requirement; verdicts per subject with their page names and reproduce commands; totals."""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwconform.spec import LEVELS

from .schema import validate

OUTCOMES = ("pass", "fail", "error", "n/a", "known")
#: How a group of verdicts is summed up in one cell: the first outcome of this order present.
WORST_FIRST = ("fail", "error", "known", "pass", "n/a")
#: Verdicts on a requirement; `error` (the harness's fault) and `n/a` are not.
VERDICTS = ("pass", "fail", "known")
# pytest's -k lexer accepts these identifier characters (_pytest/mark/expression.py).
_K_IDENT = re.compile(r"^[\w:+\-.\[\]\\/]+$")


@dataclass
class Verdict:
    """One case run against one subject, as the results file recorded it."""

    data: dict[str, Any]
    run: dict[str, Any]
    page: str = ""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def key(self) -> tuple[str, str]:
        return self.data["suite"], self.data["id"]

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)


@dataclass
class Row:
    """One case across every subject that ran it."""

    suite: str
    id: str
    title: str
    level: str
    expect: str
    requirements: list[str]
    cells: dict[str, Verdict] = field(default_factory=dict)

    @property
    def outcomes(self) -> list[str]:
        return sorted({v.outcome for v in self.cells.values()}, key=OUTCOMES.index)


@dataclass
class Group:
    """The cases of one area and level whose leading requirement is `requirement`."""

    suite: str
    level: str
    requirement: str
    rows: list[Row]

    def cell(self, subject: str) -> tuple[str, str]:
        """(worst outcome, `passed/verdicts` text) of this group's cases on `subject`."""
        outcomes = [r.cells[subject].outcome for r in self.rows if subject in r.cells]
        if not outcomes:
            return "", ""
        worst = next(o for o in WORST_FIRST if o in outcomes)
        verdicts = [o for o in outcomes if o in VERDICTS]
        return worst, (f"{outcomes.count('pass')}/{len(verdicts)}" if verdicts else worst)


@dataclass
class Totals:
    """A subject's score: per level, cases passed of cases with a verdict; and outcome counts."""

    levels: dict[str, tuple[int, int]]
    worst: dict[str, str]  # level → the worst outcome at that level (WORST_FIRST)
    outcomes: Counter[str]
    stale: int


class Report:
    """Every verdict from one or more results files, indexed the ways the pages need."""

    def __init__(self, documents: list[tuple[str, dict[str, Any]]]) -> None:
        self.runs: list[dict[str, Any]] = []
        self.subjects: dict[str, dict[str, Any]] = {}
        self.requirements: dict[str, dict[str, Any]] = {}
        verdicts: dict[tuple[str, str, str], Verdict] = {}
        for source, doc in documents:
            run = {k: doc.get(k, "") for k in ("mwconform", "python", "platform", "mode", "started", "duration")} | {"file": source}
            self.runs.append(run)
            self.subjects.update(doc["subjects"])
            self.requirements.update(doc["requirements"])
            for case in doc["cases"]:
                # A later file's verdict on the same case and subject replaces an earlier one.
                verdicts[(case["subject"], case["suite"], case["id"])] = Verdict(case, run)
        for name in {s for s, _, _ in verdicts} - set(self.subjects):
            # The mwc_subject fixture was overridden: the file names the subject but does not describe it.
            self.subjects[name] = {"adapter": "-", "profile": "-", "description": "", "capabilities": [], "modes": ["socket"], "versions": {}, "known": {}}
        self.subject_names = sorted(self.subjects, key=lambda s: (self.subjects[s]["adapter"], s))
        self.subject_slugs = _unique_slugs(self.subject_names)
        self.verdicts = sorted(verdicts.values(), key=lambda v: (v.suite, v.id, v.subject))
        pages = _unique_slugs([f"{v.suite}.{v.id}.{v.subject}" for v in self.verdicts])
        self.rows: dict[tuple[str, str], Row] = {}
        for v in self.verdicts:
            v.page = f"cases/{pages[f'{v.suite}.{v.id}.{v.subject}']}.html"
            row = self.rows.setdefault(v.key, Row(v.suite, v.id, v.title, v.level, v.expect, list(v.requirements)))
            row.cells[v.subject] = v
        self.areas = sorted({r.suite for r in self.rows.values()})
        self.levels = [lv for lv in LEVELS if any(r.level == lv for r in self.rows.values())]
        self.groups = self._groups()

    def leading_requirement(self, row: Row) -> str:
        """The first of the row's requirements at the row's level: the one it is filed under."""
        return next((r for r in row.requirements if self.requirements.get(r, {}).get("level") == row.level), row.requirements[0])

    def _groups(self) -> list[Group]:
        groups: dict[tuple[str, int, str], Group] = {}
        for row in self.rows.values():
            rid = self.leading_requirement(row)
            key = (row.suite, LEVELS.index(row.level) if row.level in LEVELS else len(LEVELS), rid)
            groups.setdefault(key, Group(row.suite, row.level, rid, [])).rows.append(row)
        return [groups[k] for k in sorted(groups)]

    def totals(self, subject: str) -> Totals:
        mine = [v for v in self.verdicts if v.subject == subject]
        levels, worst = {}, {}
        for level in self.levels:
            at = [v.outcome for v in mine if v.level == level]
            levels[level] = (at.count("pass"), sum(at.count(o) for o in VERDICTS))
            worst[level] = next((o for o in WORST_FIRST if o in at), "n/a")
        return Totals(levels, worst, Counter(v.outcome for v in mine), sum(bool(v.stale_known) for v in mine))

    def of_subject(self, subject: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.subject == subject]

    def reproduce(self, v: Verdict) -> str:
        """The command that runs just this case on just this subject."""
        subject = self.subjects[v.subject]
        cmd = ["pytest", "--pyargs", f"mwconform.suites.{v.suite}", "--mwc-subject", subject.get("spec", v.subject)]
        if v.run["mode"] not in ("", "default"):
            cmd += ["--mwc-mode", v.run["mode"]]
        # The parameter id in brackets matches exactly one node; a bare case id is a substring
        # that could also select `<id>-more`.
        nodeid = v.nodeid
        selector = nodeid[nodeid.find("[") :] if "[" in nodeid else v.id
        return shlex.join([*cmd, "-k", selector if _K_IDENT.match(selector) else v.id])


def by_severity(verdicts: list[Verdict]) -> list[Verdict]:
    """Strongest level first (MUST, SECURITY, SHOULD, PROFILE), then fail before known, then by area and case id."""
    return sorted(verdicts, key=lambda v: (LEVELS.index(v.level) if v.level in LEVELS else len(LEVELS), WORST_FIRST.index(v.outcome), v.suite, v.id))


def load(paths: list[Path]) -> Report:
    """Read and check results files; a file that is not one raises ValueError with one line."""
    documents = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read results file {path}: {exc}") from None
        validate(doc, str(path))
        documents.append((path.name, doc))
    return Report(documents)


def _unique_slugs(names: list[str]) -> dict[str, str]:
    """name → a file-name-safe slug, distinct for distinct names."""
    found: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "x"
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        found[name] = slug
    return found
