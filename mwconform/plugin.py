"""The pytest plugin: choose subjects, run cases against them, classify outcomes, write results.

Loaded through the `pytest11` entry point, so `pytest --pyargs mwconform.suites.pipeline
--mwc-subject aiohttp/native` works in any project where mwconform is installed.

Outcomes map onto pytest like this: pass → passed; fail → failed; error → failed (the JSON and the
summary say `error`); n/a → skipped with reason "n/a: …"; known → xfailed with the reason.
Results are carried in `report.user_properties`, so they survive pytest-xdist.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import harness, isolation, redis_server, results, signals, spec
from .adapters import UsageError, kind_of, refuse_ungraded, select
from .adapters.base import CAPABILITIES, MODES, Subject
from .case import Case
from .harness import DEFAULT_DEADLINE, DEFAULT_MAX_BODY
from .outcomes import Deviation, HarnessError, NotApplicable, Outcome
from .reports.conformance import BLOCKING, level_of, no_verdict_reason, reached_a_verdict
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
_DEADLINE = pytest.StashKey[float]()
_WORKERS = pytest.StashKey[isolation.Workers]()
_FLUSH = pytest.StashKey[results.SignalFlush]()
_COLLECTED = pytest.StashKey[int]()
_NO_VERDICT = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mwconform", "middleware conformance")
    group.addoption("--mwc-adapter", action="append", default=[], metavar="NAME", help="grade every bundled subject of this adapter (repeatable)")
    group.addoption("--mwc-subject", action="append", default=[], metavar="SPEC", help="grade this subject: adapter/variant or package.module:attr (repeatable)")
    group.addoption("--mwc-mode", default=None, choices=MODES, help="serving mode (default: each subject's first mode; socket for the bundled ones)")
    group.addoption("--mwc-json", default=None, metavar="PATH", help="write the results file here")
    group.addoption("--mwc-deadline", default=None, metavar="SECONDS", help="time limit for one case, servers included (default 10)")
    group.addoption("--mwc-strict", action="store_true", default=False, help="known MUST and SECURITY deviations and declared crashes fail the run (they are expected, not conformant)")
    group.addoption("--mwc-isolation", default="process", choices=isolation.MODES, help="process (default): each subject's cases in a worker process of their own; thread: in this process (still on a watched thread)")
    group.addoption("--mwc-max-body", default=None, metavar="BYTES", help=f"largest response body read; past it the case is an error (default {DEFAULT_MAX_BODY})")


def _number(config: pytest.Config, option: str, parse: Callable[[str], float], default: float, accepted: str) -> float:
    """The value of `--option`, or a one-line usage error naming what is accepted."""
    raw = config.getoption(option.lstrip("-").replace("-", "_"))
    if raw is None:
        return default
    try:
        value = parse(str(raw))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise pytest.UsageError(f"{option}={raw!r}: expected {accepted}")
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mwc_case(case): a mwconform conformance case (set by Case.param)")
    config.stash[_DEADLINE] = _number(config, "--mwc-deadline", float, DEFAULT_DEADLINE, "a positive, finite number of seconds, e.g. 10 or 2.5")
    harness.max_body = int(_number(config, "--mwc-max-body", int, DEFAULT_MAX_BODY, "a positive whole number of bytes, e.g. 1048576"))
    if os.environ.get(redis_server.ENV):
        problem = redis_server.url_problem(os.environ[redis_server.ENV])
        if problem:
            raise pytest.UsageError(problem)
    if not hasattr(config, "workerinput"):
        config.add_cleanup(signals.install())
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
    config.pluginmanager.register(_SlowFirst(), "mwconform-slow-first")


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


class _SlowFirst:
    """Under `--dist worksteal`, put slow cases (`Case.slow`: searches, real waits) first.

    worksteal hands each worker a contiguous half and lets an idle worker take the tail of a busy
    one, so what runs last is a fast case and the workers end together. Under `--dist load` (the
    -n default) the first chunk goes to one worker whole, so there the order stays as collected.
    """

    @pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture parameters
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if config.getoption("dist", "no") == "worksteal":
            items.sort(key=lambda item: not getattr(_case_of(item), "slow", False))


def _case_of(item: pytest.Item) -> Case | None:
    marker = item.get_closest_marker("mwc_case")
    return marker.args[0] if marker else None


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
    return request.config.stash[_DEADLINE]


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
def mwc(request: pytest.FixtureRequest, mwc_case: Case, mwc_subject: Subject, mwc_mode: str, mwc_deadline: float) -> Iterator[Context]:
    """The case's context; the harness blames what the case's code does on this subject."""
    problem = harness.quarantined(mwc_subject.name)
    if problem:
        raise HarnessError(problem)
    harness.in_play = mwc_subject.name
    try:
        yield Context(mwc_case, mwc_subject, mwc_mode, mwc_deadline, request.node)
    finally:
        harness.in_play = None


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
    flush = item.config.stash.get(_FLUSH, None)
    if flush is not None and flush.received:
        return report  # a signal hit this case: it has no verdict (results.SignalFlush)
    case: Case = marker.args[0]
    subject = getattr(item, "funcargs", {}).get("mwc_subject")
    if subject is None and hasattr(item, "callspec"):
        subject = item.callspec.params.get("mwc_subject")
    outcome, reason = classify(call.excinfo, case, subject)
    crash = declared_crash(subject, case) if outcome is Outcome.ERROR else ""
    violated = list(getattr(call.excinfo.value, "violated", ())) if call.excinfo is not None and outcome in (Outcome.FAIL, Outcome.KNOWN) else []
    level = spec.strongest(tuple(violated)) if violated else case.level
    if outcome is Outcome.KNOWN and item.config.getoption("mwc_strict") and level in BLOCKING:
        report.outcome, report.longrepr = "failed", f"known {level} deviation, a failure under --mwc-strict: {reason}"
    elif outcome is Outcome.KNOWN:
        report.outcome, report.wasxfail = "skipped", f"known: {reason}"
    elif crash and not item.config.getoption("mwc_strict"):
        report.outcome, report.wasxfail = "skipped", f"error (expected crash: {crash}): {reason}"
    elif call.excinfo is not None and isinstance(call.excinfo.value, (HarnessError, UsageError, Deviation)):
        # Our own exceptions already say everything in one line; a traceback would bury it.
        report.longrepr = f"{outcome.value}: {reason}"
    if isinstance(subject, Subject) and subject.name not in item.config.stash[_DESCRIBED]:
        # A subject from an overridden `mwc_subject` fixture: only this process knows it (under
        # pytest-xdist, a worker), so its declaration travels once, with its first result.
        item.config.stash[_DESCRIBED].add(subject.name)
        report.user_properties.append(("mwc_subject", {"name": subject.name, **results.subject_entry(subject, subject.name)}))
    evidence: dict[str, Any] = item.stash.get(EVIDENCE, {})
    report.user_properties.append(("mwc", result_entry(item, case, subject, outcome, reason, call.duration, {**({"violated": violated} if violated else {}), **evidence})))
    return report


def declared_crash(subject: Any, case: Case) -> str:
    """Why the subject is known to crash on this case (its `crashes` entry), or ""."""
    return subject.crashes.get(case.id, "") if isinstance(subject, Subject) else ""


def result_entry(item: pytest.Item, case: Case, subject: Any, outcome: Outcome, reason: str, duration: float, evidence: dict[str, Any]) -> dict[str, Any]:
    """One case's entry in the results file."""
    stale_known = outcome is Outcome.PASS and bool(reason)
    crash = declared_crash(subject, case)
    if crash and outcome is not Outcome.ERROR:  # an upgrade fixed the crash: say so, like a stale known
        reason = "; ".join(filter(None, (reason, f"stale expected crash, it no longer occurs: {crash}")))
    return {
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
        "stale_known": stale_known or bool(crash and outcome is not Outcome.ERROR),
        **({"expected_crash": crash} if crash and outcome is Outcome.ERROR else {}),
        "duration": round(duration, 6),
        **evidence,
    }


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """A suite case runs in its subject's worker process (see `mwconform.isolation`)."""
    if isolation.subject_of(item) is None or not isolation.available(item.config):
        return None
    if _WORKERS not in item.config.stash:
        workers = item.config.stash[_WORKERS] = isolation.Workers(item.session, _crash_report)
        item.config.add_cleanup(workers.close)
    return item.config.stash[_WORKERS].protocol(item, nextitem)


def _crash_report(item: pytest.Item, reason: str, duration: float = 0.0) -> pytest.TestReport:
    """The report of a case whose worker process died or was killed (`error`, with the reason)."""
    marker = item.get_closest_marker("mwc_case")
    entry = result_entry(item, marker.args[0], isolation.subject_of(item), Outcome.ERROR, reason, duration, {}) if marker else None
    crash = entry.get("expected_crash", "") if entry else ""
    report = pytest.TestReport(
        item.nodeid,
        item.location,
        {k: 1 for k in item.keywords},
        "skipped" if crash and not item.config.getoption("mwc_strict") else "failed",
        f"error: {reason}",
        "call",
        duration=duration,
        user_properties=[("mwc", entry)] if entry else [],
    )
    if report.skipped:
        report.wasxfail = f"error (expected crash: {crash}): {reason}"
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


def results_document(config: pytest.Config, interrupted: str = "") -> dict[str, Any]:
    selected_as = config.stash[_SELECTED_AS]
    # Subjects from an overridden `mwc_subject` fixture: reselected by their name alone.
    fixture_subjects: dict[str, dict[str, Any]] = config.stash[_FIXTURE_SUBJECTS]
    return results.document(
        config.stash[_RESULTS],
        {
            **fixture_subjects,
            **{s.name: results.subject_entry(s, selected_as[s.name]) for s in config.stash[_SUBJECTS]},
        },
        mode=config.getoption("mwc_mode") or "default",
        started=config.stash[_STARTED],
        strict=config.getoption("mwc_strict"),
        interrupted=interrupted,
        collected=config.stash.get(_COLLECTED, None),
    )


def _controller(config: pytest.Config) -> bool:
    """The process that writes results: not a pytest-xdist worker."""
    return not hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Before the first case: prove the results file can be written, and keep verdicts on SIGINT, SIGTERM and SIGHUP."""
    config = session.config
    if not _controller(config):
        return
    path = config.getoption("mwc_json")
    if path:
        try:
            results.check_writable(Path(path), "--mwc-json")
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[_FLUSH] = results.SignalFlush(session)
    config.stash[_FLUSH].install()


def pytest_collection_finish(session: pytest.Session) -> None:
    # Under pytest-xdist the controller collects nothing and this is not called: no count, and
    # only an interruption marks the run incomplete.
    if _controller(session.config):
        session.config.stash[_COLLECTED] = sum(item.get_closest_marker("mwc_case") is not None for item in session.items)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    harness.exit_despite_leaked_threads(int(exitstatus))
    config = session.config
    if not _controller(config):
        return
    flush = config.stash.get(_FLUSH, None)
    if flush is not None:
        flush.uninstall()
    cases = config.stash[_RESULTS]
    if cases and not reached_a_verdict(cases) and session.exitstatus == pytest.ExitCode.OK:
        # Every case n/a: the run graded nothing, which must never read as a green run.
        config.stash[_NO_VERDICT] = no_verdict_reason(cases)
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
    path = config.getoption("mwc_json")
    if path:
        # Only a signal is an interruption: pytest also stops through its Interrupted exception on
        # collection errors or -x, and then `collected` tells how many cases went undecided.
        interrupted = flush.received if flush is not None else ""
        results.write_atomic(Path(path), results.dumps(results_document(config, interrupted)))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    cases = config.stash[_RESULTS]
    if not cases:
        return
    tr = terminalreporter
    tr.section("mwconform")
    strict = config.getoption("mwc_strict")
    levels = results.requirement_levels()
    for bad, line in results.standing_lines(cases, levels, strict):
        tr.write_line(line, red=bad)
    for c in cases:
        if c["outcome"] in ("fail", "error"):
            crash = f" (expected crash: {c['expected_crash']})" if c.get("expected_crash") else ""
            tr.write_line(f"{c['outcome'].upper():5}{crash} {c['subject']} {c['id']} [{level_of(c, levels)}]: {c['reason']}", red=not crash, yellow=bool(crash))
    for c in cases:
        if c["stale_known"]:
            tr.write_line(f"STALE {c['subject']} {c['id']}: {c['reason']}", yellow=True, bold=True)
    if config.stash.get(_NO_VERDICT, ""):
        tr.write_line(f"mwconform: {config.stash[_NO_VERDICT]}", red=True, bold=True)
    if config.getoption("mwc_json"):
        tr.write_line(f"results: {config.getoption('mwc_json')}")
