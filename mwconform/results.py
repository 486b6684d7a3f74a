"""The results file: its document, written atomically, checked before the first case and kept
through an interruption (SIGINT, SIGTERM, SIGHUP end the run the way Ctrl-C does, so pytest
finishes the session and every verdict decided so far reaches the file, marked incomplete)."""

from __future__ import annotations

import json
import os
import platform
import signal
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__, signals, spec
from .reports.schema import SCHEMA


def check_writable(path: Path, what: str) -> None:
    """Raise ValueError with one line unless a file can be written at `path` (its folder is made).

    Run before the first case, so a bad `--json` or `-o` never costs a whole run's verdicts.
    """
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder; give the path of a file")
    existing = next(p for p in path.parents if p.exists())
    if not existing.is_dir():
        raise ValueError(f"{what} {path}: cannot write there ({existing} is a file, not a folder)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{what} {path}: cannot write there ({exc.strerror or exc})") from None


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`: a reader never
    sees half a file, and of two runs writing the same path one whole file wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def subject_entry(subject: Any, selected_as: str) -> dict[str, Any]:
    """A subject's declaration as the results file records it."""
    return {
        "adapter": subject.adapter,
        "profile": subject.profile,
        "description": subject.description,
        "capabilities": sorted(subject.capabilities),
        "modes": list(subject.modes),
        "versions": subject.versions(),
        "known": dict(subject.known),
        "crashes": dict(subject.crashes),
        "spec": selected_as,
        "baseline": is_baseline(subject),
    }


def is_baseline(subject: Any) -> bool:
    """Our own bundled reference subjects (`reference/*`, `<framework>/reference-*`): the baseline
    each area's packages are compared with, never ranked among them. A subject defined outside
    mwconform (a user's, a test's mutant) is never the baseline, whatever it derives from."""
    bundled = type(subject).__module__.startswith("mwconform.")
    return bundled and (subject.adapter == "reference" or subject.name.split("/", 1)[-1].startswith("reference"))


def document(
    cases: list[dict[str, Any]],
    subjects: Mapping[str, dict[str, Any]],
    *,
    mode: str,
    started: float,
    strict: bool,
    interrupted: str = "",
    collected: int | None = None,
) -> dict[str, Any]:
    """The results document (schema `mwconform-results/2`).

    `interrupted` names what stopped the run; a run that decided fewer cases than it collected is
    incomplete too (`-x`, `--maxfail`). Either way `complete` is false and `incomplete` says why.
    """
    decided = len({(c["subject"], c["nodeid"]) for c in cases})
    graded = {c["subject"] for c in cases}  # subjects no selected suite grades stay out of the matrix
    used = sorted({r for c in cases for r in [*c["requirements"], *c.get("violated", ())]})
    found: dict[str, Any] = {
        "schema": SCHEMA,
        "mwconform": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "mode": mode,
        "strict": strict,
        "started": datetime.fromtimestamp(started, timezone.utc).isoformat(),
        "duration": round(time.time() - started, 3),
        "complete": True,
        "subjects": {name: s for name, s in subjects.items() if name in graded},
        "requirements": {
            rid: {"title": r.title, "level": r.level, "text": r.text, "sources": [{"title": t, "url": u} for t, u in r.sources]}
            for rid, r in ((rid, spec.requirements()[rid]) for rid in used)
        },
        "cases": sorted(cases, key=lambda c: (c["subject"], c["nodeid"])),
    }
    if collected is not None:
        found["collected"] = collected
    if interrupted or (collected is not None and decided < collected):
        stopped = f"interrupted by {interrupted}" if interrupted else "stopped early"
        counted = f"{decided} of {collected}" if collected is not None else str(decided)
        found["complete"] = False
        found["incomplete"] = f"{stopped}: {counted} cases decided"
    return found


def dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=True)


class SignalFlush:
    """While installed, the first SIGINT, SIGTERM or SIGHUP (`mwconform.signals`, which unwinds the
    run as Ctrl-C does) also says which signal it was and stops pytest before the next case
    (`session.shouldstop`), so the session finishes and the results are written, marked
    incomplete. Subject code may swallow the KeyboardInterrupt (uvicorn answers 500 to any
    exception in an app); the stop request still holds, and the verdict of the case the signal
    hit is dropped (`received`), never decided from a half-run case."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.received = ""

    def install(self) -> None:
        signals.on_stop(self._note)

    def uninstall(self) -> None:
        signals.forget(self._note)

    def _note(self, signum: int) -> None:
        self.received = signal.Signals(signum).name
        self.session.shouldstop = f"{self.received} received"


def standing_lines(cases: Sequence[Mapping[str, Any]], requirements: Mapping[str, Mapping[str, Any]], strict: bool) -> Iterable[tuple[bool, str]]:
    """(is it bad, line) for the terminal: each subject's standing, then every known MUST and
    SECURITY deviation by requirement (expected, so pytest shows it as xfail, but not conformant)."""
    from .reports.conformance import of_subject

    names = sorted({c["subject"] for c in cases})
    standings = [of_subject(name, cases, requirements) for name in names]
    for s in standings:
        counts = "  ".join(f"{s.outcomes.get(o, 0):3} {o}" for o in ("pass", "fail", "error", "n/a", "known"))
        yield bool(s.blocking), f"{s.subject:28} {counts}  {s.statement()}"
    for s in standings:
        for b in s.blocking:
            if b.known:
                ids = ", ".join(sorted({c["id"] for c in b.cases}))
                yield True, f"{'STRICT ' if strict else ''}KNOWN [{b.level}] {s.subject} {b.requirement} ({ids}): {b.cases[0]['reason']}"


def requirement_levels() -> dict[str, dict[str, str]]:
    """SPEC.md's requirements as the results file describes them (only the level is read)."""
    return {rid: {"level": r.level} for rid, r in spec.requirements().items()}
