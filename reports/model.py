"""Results files merged into what the report shows: rows of cases grouped by area, level and
requirement; verdicts per subject with their page names and reproduce commands; each subject's
conformance per area (ranked worst first, reference subjects apart as the baseline); distinct
reasons; and, when several files grade one subject, its verdicts run by run."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shlex
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mwconform.spec import LEVELS

from . import schema, stream
from .conformance import VERDICTS, Conformance, level_of, of_subject, violated

OUTCOMES = ("pass", "fail", "error", "n/a", "known")
#: How a group of verdicts is summed up in one cell: the first outcome of this order present
#: (a known deviation is broken, so it outranks an error, which is no verdict at all).
WORST_FIRST = ("fail", "known", "error", "pass", "n/a")
# pytest's -k lexer accepts these identifier characters (_pytest/mark/expression.py).
_K_IDENT = re.compile(r"^[\w:+\-.\[\]\\/]+$")
#: Suites reported under another suite's area: generated pipeline scenarios are pipeline verdicts.
AREA_OF = {"properties": "pipeline"}
AREA_ORDER = ("pipeline", "cors", "session", "jwt")
AREA_TITLES = {"pipeline": "Pipeline", "cors": "CORS", "session": "Sessions", "jwt": "JWT"}
#: Longest page file name stem; longer names are cut and get a hash suffix (file systems allow 255 bytes).
MAX_SLUG = 80
#: Verdicts per case page: a subject's verdicts in one area share pages of this many consecutive
#: cases (one file per verdict made 50,000 verdicts 2.3 GB on disk, mostly block padding).
PAGE_CASES = 50
#: Bytes the spool of verdict evidence buffers per write: 8 KB writes made 50,000 verdicts' 100 MB
#: cost 0.8 s of system calls.
SPOOL_BUFFER = 1 << 20


def area_of(suite: str) -> str:
    return AREA_OF.get(suite, suite)


@dataclass(frozen=True)
class Case:
    """What every subject's verdict on one case shares (one object per distinct case, not per verdict)."""

    suite: str
    id: str
    title: str
    level: str
    expect: str
    requirements: tuple[str, ...]


class Verdict:
    """One case run against one subject, as the results file recorded it, without its evidence
    (exchanges, expected, observed): at 50,000 verdicts the evidence is hundreds of megabytes of
    Python objects, so it is kept as the file's JSON text in a spool until its case page is written.
    Reads like the results file's case mapping (`v["outcome"]`, `v.get("violated")`): conformance
    sums verdicts and plain cases alike."""

    __slots__ = ("case", "subject", "outcome", "reason", "stale_known", "expected_crash", "duration", "nodeid", "profile", "mode", "note", "violated", "run", "spooled", "file", "anchor", "counted")

    def __init__(self, case: Case, data: dict[str, Any], run: dict[str, Any], spooled: tuple[int, int]) -> None:
        self.case = case
        get = data.get
        self.subject, self.outcome, self.reason, self.stale_known, self.duration = get("subject"), get("outcome"), get("reason"), get("stale_known"), get("duration")
        self.nodeid, self.profile, self.mode, self.note, self.violated = get("nodeid"), get("profile"), get("mode"), get("note"), get("violated")
        self.expected_crash = get("expected_crash", "")
        self.run = run
        #: (offset, length) of the case's JSON text in the report's spool.
        self.spooled = spooled
        #: The case page holding it (cases/<subject>/<area>-<n>.html) and its anchor there.
        self.file = self.anchor = ""
        #: The level it counts at: the case's, or its violated requirements' (conformance.level_of).
        self.counted = ""

    suite = property(lambda self: self.case.suite)
    id = property(lambda self: self.case.id)
    title = property(lambda self: self.case.title)
    level = property(lambda self: self.case.level)
    expect = property(lambda self: self.case.expect)
    requirements = property(lambda self: self.case.requirements)

    # v["outcome"]: attribute lookup in C (conformance reads every verdict five times per standing);
    # a name no verdict has raises AttributeError.
    __getitem__ = object.__getattribute__

    def get(self, name: str, default: Any = None) -> Any:
        found = getattr(self, name, None)
        return default if found is None else found

    @property
    def key(self) -> tuple[str, str]:
        return self.case.suite, self.case.id

    @property
    def page(self) -> str:
        """Its link from the report's root: the case page and the anchor of this verdict on it."""
        return f"{self.file}#{self.anchor}"


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
    #: Its file-name-safe slug (every verdict's anchor) and its position among its area's rows.
    slug: str = ""
    position: int = 0

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
class Reason:
    """One distinct reason a subject breaks (or errors on, or cannot run) cases, and those cases."""

    outcome: str
    reason: str
    verdicts: list[Verdict]

    @cached_property
    def level(self) -> str:
        return min((v.counted for v in self.verdicts), key=lambda lv: LEVELS.index(lv) if lv in LEVELS else len(LEVELS))


@dataclass
class CasePage:
    """One page of case verdicts: a subject's, on up to PAGE_CASES consecutive rows of an area."""

    file: str
    subject: str
    area: str
    n: int
    verdicts: list[Verdict]
    last: bool = False


@dataclass
class Run:
    """One results file's verdicts on one subject (the report's version axis)."""

    label: str
    versions: dict[str, str]
    verdicts: dict[tuple[str, str], Verdict]


class Report:
    """Every verdict from one or more results files, indexed the ways the pages need.

    Built by `load`: `add` each file's verdicts, then `index` them. The verdicts' evidence waits in
    an anonymous temporary file (the spool), read back by `case_json`; `close` releases it."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.subjects: dict[str, dict[str, Any]] = {}
        self.requirements: dict[str, dict[str, Any]] = {}
        self._spool = tempfile.TemporaryFile(buffering=SPOOL_BUFFER)
        self._closing = weakref.finalize(self, self._spool.close)
        self._verdicts: dict[tuple[str, str, str], Verdict] = {}
        self._by_file: dict[str, list[tuple[dict[str, Any], dict[str, str], list[Verdict]]]] = {}
        self._shared: dict[Any, Any] = {}
        self._spooled = 0  # bytes written to the spool

    def add(self, source: str, cases: Iterable[tuple[dict[str, Any], str]], head: dict[str, Any]) -> None:
        """One results file's verdicts; `head` (its other top-level keys) is complete once `cases` is exhausted."""
        run: dict[str, Any] = {"file": source}
        self.runs.append(run)
        mine: dict[str, list[Verdict]] = {}
        for data, text in cases:
            v = self._verdict(data, text, run)
            # A later file's verdict on the same case and subject replaces an earlier one.
            self._verdicts[(v.subject, v.case.suite, v.case.id)] = v
            mine.setdefault(v.subject, []).append(v)
        run.update({k: head.get(k, "") for k in ("mwconform", "python", "platform", "mode", "started", "duration", "incomplete")} | {"file": source, "complete": head["complete"]})
        self.subjects.update(head["subjects"])
        self.requirements.update(head["requirements"])
        for name, vs in mine.items():
            self._by_file.setdefault(name, []).append((run, head["subjects"].get(name, {}).get("versions", {}), vs))

    def _verdict(self, data: dict[str, Any], text: str, run: dict[str, Any]) -> Verdict:
        shared = self._shared
        fields = (data["suite"], data["id"], data["title"], data["level"], data["expect"], tuple(data["requirements"]))
        case = shared.get(fields)
        if case is None:
            case = shared[fields] = Case(*fields)
        for name in ("subject", "outcome", "profile", "mode"):
            if name in data:
                data[name] = shared.setdefault(data[name], data[name])
        raw = text.encode("utf-8")
        self._spool.write(raw)
        self._spooled += len(raw)
        return Verdict(case, data, run, (self._spooled - len(raw), len(raw)))

    def case_json(self, v: Verdict) -> str:
        """The verdict's case as the results file holds it (JSON text, evidence included)."""
        at, size = v.spooled
        return os.pread(self._spool.fileno(), size, at).decode("utf-8")

    def case_data(self, v: Verdict) -> dict[str, Any]:
        return json.loads(self.case_json(v))

    def close(self) -> None:
        self._closing()

    def index(self) -> None:
        """Index the verdicts added: rows, groups, pages, standings."""
        self._spool.flush()
        verdicts = self._verdicts
        for name in {s for s, _, _ in verdicts} - set(self.subjects):
            # The mwc_subject fixture was overridden: the file names the subject but does not describe it.
            self.subjects[name] = {"adapter": "-", "profile": "-", "description": "", "capabilities": [], "modes": ["socket"], "versions": {}, "known": {}}
        self.subject_names = sorted(self.subjects, key=lambda s: (self.subjects[s]["adapter"], s))
        self.subject_slugs = _unique_slugs(self.subject_names)
        self.incomplete = [run for run in self.runs if not run["complete"]]
        self.verdicts = sorted(verdicts.values(), key=lambda v: (v.case.suite, v.case.id, v.subject))
        self.rows: dict[tuple[str, str], Row] = {}
        for v in self.verdicts:
            v.counted = level_of(v, self.requirements)
            row = self.rows.get(v.key) or self.rows.setdefault(v.key, Row(v.suite, v.id, v.title, v.level, v.expect, list(v.requirements)))
            row.cells[v.subject] = v
        present = {area_of(r.suite) for r in self.rows.values()}
        self.areas = [a for a in AREA_ORDER if a in present] + sorted(present - set(AREA_ORDER))
        self.levels = [lv for lv in LEVELS if any(r.level == lv for r in self.rows.values())]
        self.groups = self._groups()
        self._place_pages()
        self._others: dict[tuple[tuple[str, str], str], tuple[list[Verdict], dict[str, int]]] = {}
        self.history = {name: [Run(*_run_label(runs, i), {v.key: v for v in vs}) for i, (_, _, vs) in enumerate(runs)] for name, runs in self._by_file.items() if len(runs) > 1}
        del self._shared

    def title(self, area: str) -> str:
        return AREA_TITLES.get(area, area)

    def baseline(self, subject: str) -> bool:
        return bool(self.subjects[subject].get("baseline"))

    @cached_property
    def _standings(self) -> dict[tuple[str, str], Conformance]:
        """(subject, area or "") → its conformance over that area's verdicts ("" for all of them)."""
        found: dict[tuple[str, str], Conformance] = {}
        mine: dict[tuple[str, str], list[Verdict]] = {}
        for v in self.verdicts:
            mine.setdefault((v.subject, ""), []).append(v)
            mine.setdefault((v.subject, area_of(v.suite)), []).append(v)
        for (name, area), cases in mine.items():
            found[(name, area)] = of_subject(name, cases, self.requirements)
        return found

    def standing(self, subject: str, area: str = "") -> Conformance:
        return self._standings.get((subject, area)) or of_subject(subject, [], self.requirements)

    def area_subjects(self, area: str) -> list[str]:
        return [name for name in self.subject_names if (name, area) in self._standings]

    def ranking(self, area: str) -> list[Conformance]:
        """The packages graded in `area`, worst first (broken MUST, SECURITY, SHOULD, PROFILE, errors); baselines left out."""
        ranked = [self.standing(n, area) for n in self.area_subjects(area) if not self.baseline(n)]
        return sorted(ranked, key=lambda c: (c.rank_key(), c.subject))

    def baselines(self, area: str) -> list[Conformance]:
        return [self.standing(n, area) for n in self.area_subjects(area) if self.baseline(n)]

    def columns(self, area: str) -> list[str]:
        """The area matrix's subjects: ranked packages, then the baseline."""
        return [c.subject for c in self.ranking(area)] + [c.subject for c in self.baselines(area)]

    def area_groups(self, area: str) -> list[Group]:
        return [g for g in self.groups if area_of(g.suite) == area]

    def reasons(self, subject: str, outcomes: tuple[str, ...], stale: bool = False) -> list[Reason]:
        """One entry per distinct (outcome, reason) among the subject's verdicts with these
        outcomes (with `stale`, only its stale declarations), most severe first, each with the
        cases it covers."""
        found: dict[tuple[str, str], Reason] = {}
        for v in by_severity([v for v in self.of_subject(subject) if v.outcome in outcomes and (v.stale_known or not stale)]):
            (found.get((v.outcome, v.reason)) or found.setdefault((v.outcome, v.reason), Reason(v.outcome, v.reason, []))).verdicts.append(v)
        return sorted(found.values(), key=lambda r: (LEVELS.index(r.level) if r.level in LEVELS else len(LEVELS), WORST_FIRST.index(r.outcome)))

    def changed_across_runs(self, subject: str) -> list[tuple[tuple[str, str], list[Verdict | None]]]:
        """Cases whose outcome differs between the runs of `subject` (its history), each with one verdict (or None) per run."""
        runs = self.history.get(subject, [])
        keys = sorted({k for r in runs for k in r.verdicts})
        table = [(k, [r.verdicts.get(k) for r in runs]) for k in keys]
        return [(k, vs) for k, vs in table if len({v.outcome if v else None for v in vs}) > 1]

    def leading_requirement(self, row: Row) -> str:
        """The first of the row's requirements at the row's level: the one it is filed under."""
        return violated({"requirements": row.requirements, "level": row.level}, self.requirements)[0]

    def _groups(self) -> list[Group]:
        groups: dict[tuple[str, int, str], Group] = {}
        for row in self.rows.values():
            rid = self.leading_requirement(row)
            key = (row.suite, LEVELS.index(row.level) if row.level in LEVELS else len(LEVELS), rid)
            groups.setdefault(key, Group(row.suite, row.level, rid, [])).rows.append(row)
        return [groups[k] for k in sorted(groups)]

    def _place_pages(self) -> None:
        """Give every row its slug and position in its area, and every verdict its case page: the
        subject's, for the area's PAGE_CASES consecutive rows the verdict's row is among."""
        slugs = _unique_slugs([f"{suite}.{id}" for suite, id in self.rows])
        self.area_slugs = _unique_slugs(self.areas)
        for area in self.areas:
            for position, row in enumerate(r for g in self.area_groups(area) for r in g.rows):
                row.slug, row.position = slugs[f"{row.suite}.{row.id}"], position
                for name, v in row.cells.items():
                    v.file, v.anchor = self.case_file(name, area, position // PAGE_CASES), row.slug

    def case_file(self, subject: str, area: str, n: int) -> str:
        return f"cases/{self.subject_slugs[subject]}/{self.area_slugs[area]}-{n}.html"

    def case_pages(self) -> list[CasePage]:
        """Every case page, its verdicts in the order of the area's matrix."""
        pages: dict[str, CasePage] = {}
        for area in self.areas:
            for g in self.area_groups(area):
                for row in g.rows:
                    for name, v in row.cells.items():
                        n = row.position // PAGE_CASES
                        (pages.get(v.file) or pages.setdefault(v.file, CasePage(v.file, name, area, n, []))).verdicts.append(v)
        for page in pages.values():
            page.last = self.case_file(page.subject, page.area, page.n + 1) not in pages
        return list(pages.values())

    def others(self, v: Verdict, most: int = 6) -> tuple[list[Verdict], dict[str, int]]:
        """The case's verdicts on other subjects: all of them when there are at most `most`, else
        up to `most` of those that end otherwise, worst first; and how many more there are per
        outcome (with 1,000 subjects, listing every one on every verdict made the site gigabytes,
        and finding them one by one made the build quadratic in subjects)."""
        row = self.rows[v.key]
        if len(row.cells) <= most + 1:
            return [o for name, o in row.cells.items() if name != v.subject], {}
        # The same for every verdict of the row with this outcome: found once.
        found = self._others.get((v.key, v.outcome))
        if found is None:
            by_outcome = self._row_outcomes[v.key]
            # Those that end otherwise, the most severe outcomes first.
            shown = [o for outcome in WORST_FIRST if outcome != v.outcome for o in by_outcome.get(outcome, [])[:most]][:most]
            more = {outcome: len(vs) - sum(o.outcome == outcome for o in shown) - (outcome == v.outcome) for outcome, vs in by_outcome.items()}
            found = self._others[(v.key, v.outcome)] = shown, {outcome: n for outcome, n in more.items() if n}
        return found

    @cached_property
    def _row_outcomes(self) -> dict[tuple[str, str], dict[str, list[Verdict]]]:
        """Each row's verdicts by outcome, computed once: every subject's case page asks."""
        found: dict[tuple[str, str], dict[str, list[Verdict]]] = {}
        for key, row in self.rows.items():
            for o in row.cells.values():
                found.setdefault(key, {}).setdefault(o.outcome, []).append(o)
        return found

    @cached_property
    def _by_subject(self) -> dict[str, list[Verdict]]:
        found: dict[str, list[Verdict]] = {}
        for v in self.verdicts:
            found.setdefault(v.subject, []).append(v)
        return found

    def of_subject(self, subject: str) -> list[Verdict]:
        return self._by_subject.get(subject, [])

    def reproduce(self, v: Verdict) -> str:
        """The command that runs just this case on just this subject."""
        # The parameter id in brackets matches exactly one node; a bare case id is a substring
        # that could also select `<id>-more`.
        nodeid = v.nodeid
        selector = nodeid[nodeid.find("[") :] if "[" in nodeid else v.id
        return f"{self._command(v.subject, v.suite, v.run['mode'])} -k {shlex.quote(selector if _K_IDENT.match(selector) else v.id)}"

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one per subject, suite and mode; the report lives as long as its build)
    def _command(self, subject: str, suite: str, mode: str) -> str:
        cmd = ["pytest", "--pyargs", f"mwconform.suites.{suite}", "--mwc-subject", self.subjects[subject].get("spec", subject)]
        if mode not in ("", "default"):
            cmd += ["--mwc-mode", mode]
        return shlex.join(cmd)


def by_severity(verdicts: list[Verdict]) -> list[Verdict]:
    """Strongest level first (MUST, SECURITY, SHOULD, PROFILE), then fail before known, then by area and case id."""
    return sorted(verdicts, key=lambda v: (LEVELS.index(v.counted) if v.counted in LEVELS else len(LEVELS), WORST_FIRST.index(v.outcome), v.suite, v.id))


def read(path: Path) -> Any:
    """The parsed JSON of `path`, unchecked; unreadable or unparsable raises ValueError with one line."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read results file {path}: {exc}") from None
    except RecursionError:
        raise ValueError(_TOO_DEEP.format(path=path)) from None


_TOO_DEEP = "cannot read results file {path}: its JSON nests deeper than Python's parser goes"


def load(paths: list[Path]) -> Report:
    """Read and check results files case by case; a file that is not one raises ValueError with one line."""
    report = Report()
    try:
        for path in paths:
            try:
                with path.open(encoding="utf-8") as file:
                    results = stream.Results(file)
                    report.add(path.name, _checked(results, str(path)), results.head)
            except (OSError, UnicodeDecodeError, stream.Malformed) as exc:
                raise ValueError(f"cannot read results file {path}: {exc}") from None
            except RecursionError:
                raise ValueError(_TOO_DEEP.format(path=path)) from None
        report.index()
    except BaseException:
        report.close()
        raise
    return report


def _checked(results: stream.Results, source: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The file's cases, each checked against the schema as it is read; then its top level."""
    named: set[str] = set()
    for i, (case, text) in enumerate(results.cases()):
        older = results.head.get("schema") in schema.OLDER
        if older or not schema.case_valid(case):
            raise ValueError(schema.invalid(source, str(schema.head_problem(results.head) if older else schema.case_problem(case, i))))
        named.update(case["requirements"], case.get("violated", ()))
        yield case, text
    found = schema.head_problem(results.head) or schema.missing_requirements(named, results.head["requirements"])
    if found:
        raise ValueError(schema.invalid(source, found))


def _run_label(runs: list[tuple[dict[str, Any], dict[str, str], list[Verdict]]], i: int) -> tuple[str, dict[str, str]]:
    """A run's column title: the package versions that differ between the runs, else its file name."""
    run, versions, _ = runs[i]
    moving = sorted({d for _, vs, _ in runs for d in vs if len({other.get(d) for _, other, _ in runs}) > 1})
    label = ", ".join(f"{d} {versions.get(d, '-')}" for d in moving)
    return label or run["file"], versions


def _unique_slugs(names: list[str]) -> dict[str, str]:
    """name → a file-name-safe slug, distinct for distinct names."""
    found: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "x"
        if len(base) > MAX_SLUG:
            base = f"{base[: MAX_SLUG - 9]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        found[name] = slug
    return found
