"""The pytest plugin: choose subjects, run cases against them, classify outcomes, write results.

Loaded through the `pytest11` entry point, so `pytest --pyargs mwconform.suites.pipeline
--mwc-subject aiohttp/native` works in any project where mwconform is installed.

Outcomes map onto pytest like this: pass → passed; fail → failed; error → failed (the JSON and the
summary say `error`); n/a → skipped with reason "n/a: …"; known → xfailed with the reason.
Results are carried in `report.user_properties`, so they survive pytest-xdist.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from . import __version__, spec
from .adapters import UsageError, kind_of, refuse_ungraded, select
from .adapters.base import CAPABILITIES, MODES, Subject
from .case import Case
from .harness import DEFAULT_DEADLINE
from .outcomes import Deviation, HarnessError, NotApplicable, Outcome
from .suites.properties import budgets

# Before hypothesis' own plugin configures, so `--hypothesis-profile=mwc-deep` can name ours.
budgets.register()

EVIDENCE = pytest.StashKey[dict[str, Any]]()
_RESULTS = pytest.StashKey[list[dict[str, Any]]]()
_SUBJECTS = pytest.StashKey[list[Subject]]()
_SELECTED_AS = pytest.StashKey[dict[str, str]]()
#: Subjects named by --mwc-subject: unlike an adapter's bundled ones, each must be graded by a collected suite.
_NAMED = pytest.StashKey[set[str]]()
#: Subjects whose declaration the results document has (or, in this process, has been sent).
_DESCRIBED = pytest.StashKey[set[str]]()
#: Declarations of subjects that came from an overridden `mwc_subject` fixture, by name.
_FIXTURE_SUBJECTS = pytest.StashKey[dict[str, dict[str, Any]]]()
_STARTED = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mwconform", "middleware conformance")
    group.addoption("--mwc-adapter", action="append", default=[], metavar="NAME", help="grade every bundled subject of this adapter (repeatable)")
    group.addoption("--mwc-subject", action="append", default=[], metavar="SPEC", help="grade this subject: adapter/variant or package.module:attr (repeatable)")
    group.addoption("--mwc-mode", default=None, choices=MODES, help="serving mode (default: each subject's first mode; socket for the bundled ones)")
    group.addoption("--mwc-json", default=None, metavar="PATH", help="write the results file here")
    group.addoption("--mwc-deadline", type=float, default=None, metavar="SECONDS", help="time limit for one case, servers included (default 10)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mwc_case(case): a mwconform conformance case (set by Case.param)")
    try:
        chosen = select(config.getoption("mwc_adapter"), config.getoption("mwc_subject"))
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_SUBJECTS] = [s for s, _ in chosen]
    # The --mwc-subject value that selects each subject again, for the report's reproduce command.
    config.stash[_SELECTED_AS] = {s.name: spec for s, spec in chosen}
    config.stash[_NAMED] = {s.name for s, spec in chosen if spec in config.getoption("mwc_subject")}
    config.stash[_DESCRIBED] = {s.name for s, _ in chosen}
    config.stash[_FIXTURE_SUBJECTS] = {}
    config.stash[_RESULTS] = []
    config.stash[_STARTED] = time.time()
    config.pluginmanager.register(_Collector(config.stash[_RESULTS], config.stash[_FIXTURE_SUBJECTS]), "mwconform-collector")
    config.pluginmanager.register(_WorkerUsageError(), "mwconform-worker-usage-error")


def suite_of(module_name: str) -> str:
    """`mwconform.suites.cors.test_preflight` → `cors`."""
    parts = module_name.split(".")
    return parts[-2] if len(parts) >= 2 else ""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mwc_subject" not in metafunc.fixturenames or not metafunc.config.stash[_SUBJECTS]:
        return
    suite = suite_of(metafunc.module.__name__)
    subjects = [s for s in metafunc.config.stash[_SUBJECTS] if suite in s.suites]
    # No subject for this suite: the plain parametrization with none deselects the cases.
    metafunc.parametrize("mwc_subject", subjects, ids=[s.name for s in subjects], indirect=True, scope="session")


@pytest.hookimpl(tryfirst=True)  # before `-k`/`-m` deselect: which suites were asked for, not which cases
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the placeholder items pytest makes for a suite none of the chosen subjects is graded by,
    and refuse, in one line, a subject that none of the collected suites grades."""
    if not config.stash[_SUBJECTS]:
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    suites: set[str] = set()
    for item in items:
        wanted = "mwc_subject" in getattr(item, "fixturenames", ())
        params = getattr(getattr(item, "callspec", None), "params", {})
        if wanted and isinstance(item, pytest.Function):
            suites.add(suite_of(item.module.__name__))
        # An empty parametrization leaves pytest's NOTSET placeholder in params, not a Subject.
        (drop if wanted and not isinstance(params.get("mwc_subject"), Subject) else keep).append(item)
    if suites:
        try:
            refuse_ungraded(config.stash[_SUBJECTS], config.stash[_NAMED], suites)
        except UsageError as exc:
            if not hasattr(config, "workerinput"):
                raise pytest.UsageError(str(exc)) from None
            # Raised in a pytest-xdist worker it would crash the worker: the controller says it.
            config.workeroutput[_WORKER_USAGE_ERROR] = str(exc)  # type: ignore[attr-defined]
            drop, keep = list(items), []
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def mwc_subject(request: pytest.FixtureRequest) -> Subject:
    """The subject under test. Override this fixture in a conftest to grade your own subject."""
    if not hasattr(request, "param"):
        raise UsageError(
            "no subject to grade: pass --mwc-adapter NAME or --mwc-subject adapter/variant|package.module:attr, "
            "or override the mwc_subject fixture"
        )
    return request.param


@pytest.fixture
def mwc_mode(request: pytest.FixtureRequest, mwc_subject: Subject) -> str:
    """The serving mode for this case; n/a when the subject cannot serve in the mode asked for."""
    mode = request.config.getoption("mwc_mode") or mwc_subject.modes[0]
    if mode not in mwc_subject.modes:
        raise NotApplicable(f"{mwc_subject.name} has no {mode} mode (it has: {', '.join(mwc_subject.modes)})")
    return mode


@pytest.fixture
def mwc_deadline(request: pytest.FixtureRequest) -> float:
    return request.config.getoption("mwc_deadline") or DEFAULT_DEADLINE


@pytest.fixture
def mwc_case(request: pytest.FixtureRequest, mwc_subject: Subject) -> Case:
    """The running case's declaration; n/a when the subject lacks a capability it needs."""
    if not isinstance(mwc_subject, Subject):  # an overridden fixture may return anything
        raise UsageError(
            f"the mwc_subject fixture returned {kind_of(mwc_subject)}, not a mwconform Subject: return one instance "
            "(for several subjects, give --mwc-subject package.module:attr a list)"
        )
    marker = request.node.get_closest_marker("mwc_case")
    if marker is None:
        raise UsageError(f"{request.node.nodeid} has no mwc_case marker: build its parameters with Case.param()")
    case: Case = marker.args[0]
    missing = sorted(case.needs - mwc_subject.capabilities)
    if missing:
        raise NotApplicable(f"{mwc_subject.name} lacks {', '.join(missing)}: {'; '.join(CAPABILITIES.get(m, m) for m in missing)}")
    return case


@dataclass
class Context:
    """Everything a case body needs: the subject, how to serve it, and where evidence goes."""

    case: Case
    subject: Subject
    mode: str
    deadline: float
    node: pytest.Item

    def evidence(self, **data: Any) -> None:
        """Add expected/observed data and exchanges to this case's result (later keys win)."""
        self.node.stash.setdefault(EVIDENCE, {}).update(data)


@pytest.fixture
def mwc(request: pytest.FixtureRequest, mwc_case: Case, mwc_subject: Subject, mwc_mode: str, mwc_deadline: float) -> Context:
    return Context(mwc_case, mwc_subject, mwc_mode, mwc_deadline, request.node)


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None, case: Case, subject: Subject | None) -> tuple[Outcome, str]:
    """Who is to blame: the outcome of a case and its one-line reason."""
    known = subject.known.get(case.id) if subject is not None else None
    if excinfo is None:
        return Outcome.PASS, (f"stale known deviation, it no longer occurs: {known}" if known else "")
    exc = excinfo.value
    if isinstance(exc, NotApplicable):
        return Outcome.NA, exc.reason
    if isinstance(exc, pytest.skip.Exception):
        return Outcome.NA, str(exc.msg)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, Deviation):  # only a case's own check fails a subject
        return (Outcome.KNOWN, known) if known else (Outcome.FAIL, message or "the requirement is broken")
    if isinstance(exc, AssertionError):
        return Outcome.ERROR, f"AssertionError in subject or adapter code: {message}" if message else "AssertionError in subject or adapter code"
    if isinstance(exc, (HarnessError, UsageError)):
        return Outcome.ERROR, message
    return Outcome.ERROR, f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    marker = item.get_closest_marker("mwc_case")
    if marker is None or report.when == "teardown" or (report.when == "setup" and report.passed):
        return report
    case: Case = marker.args[0]
    subject = getattr(item, "funcargs", {}).get("mwc_subject")
    if subject is None and hasattr(item, "callspec"):
        subject = item.callspec.params.get("mwc_subject")
    outcome, reason = classify(call.excinfo, case, subject)
    if outcome is Outcome.KNOWN:
        report.outcome, report.wasxfail = "skipped", f"known: {reason}"
    elif call.excinfo is not None and isinstance(call.excinfo.value, (HarnessError, UsageError, Deviation)):
        # Our own exceptions already say everything in one line; a traceback would bury it.
        report.longrepr = f"{outcome.value}: {reason}"
    if isinstance(subject, Subject) and subject.name not in item.config.stash[_DESCRIBED]:
        # A subject from an overridden `mwc_subject` fixture: only this process knows it (under
        # pytest-xdist, a worker), so its declaration travels once, with its first result.
        item.config.stash[_DESCRIBED].add(subject.name)
        report.user_properties.append(("mwc_subject", {"name": subject.name, **describe(subject)}))
    evidence = item.stash.get(EVIDENCE, {})
    report.user_properties.append(
        (
            "mwc",
            {
                "id": case.id,
                "suite": suite_of(item.module.__name__) if isinstance(item, pytest.Function) and item.module else "",
                "nodeid": item.nodeid,
                "subject": subject.name if isinstance(subject, Subject) else "-",
                "title": case.title,
                "requirements": list(case.requirements),
                "level": case.level,
                "expect": case.expect,
                "outcome": outcome.value,
                "reason": reason,
                "stale_known": bool(outcome is Outcome.PASS and reason),
                "duration": round(call.duration, 6),
                **evidence,
            },
        )
    )
    return report


_WORKER_USAGE_ERROR = "mwc_usage_error"


class _WorkerUsageError:
    """Ends an xdist run with the usage error its workers found while collecting: one line, exit 4."""

    def __init__(self) -> None:
        self.message = ""

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.message = getattr(node, "workeroutput", {}).get(_WORKER_USAGE_ERROR, self.message)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.message:
            sys.stderr.write(f"ERROR: {self.message}\n")
            session.exitstatus = pytest.ExitCode.USAGE_ERROR


class _Collector:
    """Gathers case results (and fixture subjects' declarations) from every report, the workers' included under pytest-xdist."""

    def __init__(self, results: list[dict[str, Any]], fixture_subjects: dict[str, dict[str, Any]]) -> None:
        self.results, self.fixture_subjects = results, fixture_subjects

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == "mwc":
                self.results.append(value)  # type: ignore[arg-type]
            elif name == "mwc_subject":
                declared = dict(value)  # type: ignore[call-overload]
                self.fixture_subjects[declared.pop("name")] = declared


def describe(subject: Subject) -> dict[str, Any]:
    """A subject's declaration as the results document records it."""
    return {
        "adapter": subject.adapter,
        "profile": subject.profile,
        "description": subject.description,
        "capabilities": sorted(subject.capabilities),
        "modes": list(subject.modes),
        "versions": subject.versions(),
        "known": dict(subject.known),
    }


def results_document(config: pytest.Config) -> dict[str, Any]:
    cases = config.stash[_RESULTS]
    graded = {c["subject"] for c in cases}  # subjects no selected suite grades stay out of the matrix
    subjects = {s.name: s for s in config.stash[_SUBJECTS] if s.name in graded}
    used = sorted({r for c in cases for r in c["requirements"]})
    return {
        "schema": "mwconform-results/1",
        "mwconform": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "mode": config.getoption("mwc_mode") or "default",
        "started": datetime.fromtimestamp(config.stash[_STARTED], timezone.utc).isoformat(),
        "duration": round(time.time() - config.stash[_STARTED], 3),
        "subjects": {
            **{name: d for name, d in config.stash[_FIXTURE_SUBJECTS].items() if name in graded},
            **{name: {**describe(s), "spec": config.stash[_SELECTED_AS][name]} for name, s in subjects.items()},
        },
        "requirements": {
            rid: {"title": r.title, "level": r.level, "text": r.text, "sources": [{"title": t, "url": u} for t, u in r.sources]}
            for rid, r in ((rid, spec.requirements()[rid]) for rid in used)
        },
        "cases": sorted(cases, key=lambda c: (c["subject"], c["nodeid"])),
    }


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("mwc_json")
    if path and not hasattr(session.config, "workerinput"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(results_document(session.config), indent=1, sort_keys=True), encoding="utf-8")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    cases = config.stash[_RESULTS]
    if not cases:
        return
    tr = terminalreporter
    tr.section("mwconform")
    by_subject: dict[str, Counter[str]] = {}
    for c in cases:
        by_subject.setdefault(c["subject"], Counter())[c["outcome"]] += 1
    for name, counts in sorted(by_subject.items()):
        tr.write_line(f"{name:28} " + "  ".join(f"{counts[o.value]:3} {o.value}" for o in Outcome))
    for c in cases:
        if c["outcome"] in ("fail", "error"):
            tr.write_line(f"{c['outcome'].upper():5} {c['subject']} {c['id']} [{c['level']}]: {c['reason']}", red=True)
    for c in cases:
        if c["stale_known"]:
            tr.write_line(f"STALE {c['subject']} {c['id']}: {c['reason']}", yellow=True, bold=True)
    if config.getoption("mwc_json"):
        tr.write_line(f"results: {config.getoption('mwc_json')}")
