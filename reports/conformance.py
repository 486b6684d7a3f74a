"""Is a subject conformant? Per level, which requirements it breaks, counting `known` deviations
as broken: a known deviation is *expected* (CI may allow it), never *conformant*.

One computation for every reader: the HTML report, the Markdown summary, the badges, the pytest
terminal summary, the exit code of `mwconform run` and `mwconform diff`. It works on verdicts as
the results file holds them (plain mappings), so the plugin can use it before any file exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mwconform.spec import LEVELS

#: Levels whose broken requirements make a subject "not conformant" and its badge red.
BLOCKING = ("MUST", "SECURITY")
#: Outcomes that break a requirement: an unrecorded failure, or a recorded (known) one.
BROKEN = ("fail", "known")
#: Verdicts on a requirement; `error` (nobody could tell) and `n/a` are not.
VERDICTS = ("pass", *BROKEN)
#: Per level, Gateway-API style: every verdict passed / some requirement broken / errors left
#: requirements unverified / nothing had a verdict.
STATUS_TEXT = {"success": "conformant", "failure": "not conformant", "partial": "unverified", "untested": "no verdict"}


def violated(case: Mapping[str, Any], requirements: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The requirements a broken verdict breaks: the ones the suite named as violated, else the
    case's leading requirement (its first at the case's level, the one the report files it under;
    the others it names are context, and counting them would multiply one broken case)."""
    named = case.get("violated")
    if named:
        return list(named)
    return [next((r for r in case["requirements"] if requirements.get(r, {}).get("level") == case["level"]), case["requirements"][0])]


def level_of(case: Mapping[str, Any], requirements: Mapping[str, Mapping[str, Any]]) -> str:
    """The level a verdict counts at: its violated requirements' strongest, else the case's."""
    named = case.get("violated")
    if not named or case["outcome"] not in BROKEN:
        return str(case["level"])
    return min((requirements.get(r, {}).get("level", case["level"]) for r in named), key=lambda lv: LEVELS.index(lv) if lv in LEVELS else len(LEVELS))


@dataclass
class Broken:
    """One requirement a subject breaks, with the verdicts that show it."""

    requirement: str
    level: str
    cases: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """Every case that breaks it is a recorded deviation (none is an unrecorded failure)."""
        return all(c["outcome"] == "known" for c in self.cases)

    @property
    def outcome(self) -> str:
        return "known" if self.known else "fail"


@dataclass
class Level:
    passed: int = 0
    judged: int = 0
    errors: int = 0
    broken: list[Broken] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.broken:
            return "failure"
        if self.errors:
            return "partial"
        return "success" if self.judged else "untested"

    @property
    def outcome(self) -> str:
        """The level summed up as one outcome (a cell's colour): `fail` when an unrecorded failure
        breaks a requirement, `known` when only recorded deviations do, else error, pass or n/a."""
        if self.broken:
            return "known" if all(b.known for b in self.broken) else "fail"
        return {"partial": "error", "success": "pass", "untested": "n/a"}[self.status]


@dataclass
class Conformance:
    """One subject's standing: per level, passed of judged cases and the requirements broken."""

    subject: str
    levels: dict[str, Level]
    outcomes: dict[str, int]
    stale: int

    def broken(self, levels: Iterable[str] = LEVELS) -> list[Broken]:
        return [b for lv in levels for b in self.levels[lv].broken]

    @property
    def blocking(self) -> list[Broken]:
        """Broken MUST and SECURITY requirements, known or not."""
        return self.broken(BLOCKING)

    @property
    def conformant(self) -> bool | None:
        """True when no MUST or SECURITY requirement is broken and none is left unverified by an
        error; False when one is broken; None when nothing at those levels had a verdict."""
        if self.blocking:
            return False
        judged = any(self.levels[lv].judged for lv in BLOCKING)
        return True if judged and not any(self.levels[lv].errors for lv in BLOCKING) else None

    def rank_key(self) -> tuple[int, ...]:
        """Worst first: most broken MUST, then SECURITY, then SHOULD, then PROFILE requirements, then errors."""
        return (*(-len(self.levels[lv].broken) for lv in LEVELS), -self.outcomes.get("error", 0))

    def statement(self) -> str:
        """One line: `not conformant: breaks 2 MUST (1 known), 1 SECURITY` / `conformant` / why there is no verdict."""
        blocking = [(lv, self.levels[lv].broken) for lv in LEVELS if self.levels[lv].broken]
        if blocking:
            parts = []
            for lv, broken in blocking:
                known = sum(b.known for b in broken)
                parts.append(f"{len(broken)} {lv}" + (f" ({known} known)" if known else ""))
            head = "not conformant" if self.blocking else "conformant at MUST and SECURITY"
            return f"{head}: breaks {', '.join(parts)}"
        if not any(lv.judged for lv in self.levels.values()):
            return "no verdict" + (f": {self.outcomes.get('error', 0)} errors" if self.outcomes.get("error") else "")
        if self.outcomes.get("error"):
            return f"unverified: nothing broken, but {self.outcomes['error']} cases errored"
        return "conformant"


def of_subject(subject: str, cases: Iterable[Mapping[str, Any]], requirements: Mapping[str, Mapping[str, Any]]) -> Conformance:
    """The standing of `subject` from its verdicts (other subjects' cases are ignored)."""
    levels = {lv: Level() for lv in LEVELS}
    outcomes: dict[str, int] = {}
    stale = 0
    broken: dict[str, Broken] = {}
    for case in cases:
        if case["subject"] != subject:
            continue
        outcome = case["outcome"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        stale += bool(case.get("stale_known"))
        level = levels.setdefault(case["level"], Level())
        level.judged += outcome in VERDICTS
        level.passed += outcome == "pass"
        level.errors += outcome == "error"
        if outcome in BROKEN:
            for rid in violated(case, requirements):
                rlevel = requirements.get(rid, {}).get("level", case["level"])
                if rid not in broken:
                    broken[rid] = Broken(rid, rlevel)
                    levels.setdefault(rlevel, Level()).broken.append(broken[rid])
                broken[rid].cases.append(case)
    return Conformance(subject, levels, outcomes, stale)


def failing_the_run(cases: Iterable[Mapping[str, Any]], requirements: Mapping[str, Mapping[str, Any]], strict: bool) -> list[Mapping[str, Any]]:
    """The verdicts that make `mwconform run` exit 1: unrecorded MUST or SECURITY failures and
    errors other than the subject's declared crashes; with `strict`, known MUST and SECURITY
    deviations and declared crashes too."""
    found = []
    for case in cases:
        blocking = level_of(case, requirements) in BLOCKING
        erred = case["outcome"] == "error" and (strict or not case.get("expected_crash"))
        if erred or (blocking and (case["outcome"] == "fail" or (strict and case["outcome"] == "known"))):
            found.append(case)
    return found


def reached_a_verdict(cases: Iterable[Mapping[str, Any]]) -> bool:
    return any(c["outcome"] in VERDICTS for c in cases)


def no_verdict_reason(cases: list[Mapping[str, Any]]) -> str:
    """Why a run decided nothing, in one line."""
    if not cases:
        return "no case ran (nothing selected: check --suite, --subject and -k)"
    counts: dict[str, int] = {}
    for c in cases:
        counts[c["outcome"]] = counts.get(c["outcome"], 0) + 1
    first = next((c for c in cases if c["outcome"] == "n/a"), cases[0])
    shown = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
    return f"no case reached a verdict ({shown}); e.g. {first['subject']} {first['id']}: {first['reason']}"
