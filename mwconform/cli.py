"""`mwconform` command line: run the suites, list what exists, smoke-test a wiring, build reports.

    mwconform run --adapter aiohttp [--suite pipeline] [--subject NAME|module:attr] [--json PATH]
    mwconform list [--adapter NAME]
    mwconform smoke --adapter NAME [--subject ...]
    mwconform report RESULTS.json... -o DIR [--markdown PATH]
    mwconform diff OLD.json NEW.json

`run` is pytest underneath (progress dots, JUnit via --junitxml, xdist via -n). Exit codes, the
same for every command (README "Exit codes"):

    0  done; `run`: no MUST or SECURITY failure and no error (known deviations allowed unless
       --strict); `diff`: no regression
    1  `run`: a MUST or SECURITY requirement failed, a case errored, or (--strict) a known MUST or
       SECURITY deviation; `diff`: a regression; `smoke`: a subject is not wired
    2  bad input, named in one line (unknown name, unwritable path, not a results file)
    3  `run`: no case reached a verdict (nothing selected, or every case n/a)
    4  `run`: interrupted (SIGINT, SIGTERM, SIGHUP) or stopped before deciding every case (-x,
       collection errors); the results file holds every verdict decided and is marked incomplete
    5  `run`: pytest's internal error
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from . import harness, signals
from .adapters import ADAPTERS, UsageError, refuse_ungraded, select, subjects_of
from .adapters.base import MODES, Subject
from .reports.conformance import failing_the_run, no_verdict_reason, of_subject, reached_a_verdict
from .results import check_writable
from .suites import SUITES

OK, BROKEN, USAGE, NO_VERDICT, INTERRUPTED, INTERNAL = 0, 1, 2, 3, 4, 5


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in one line, like every other error of the command (argparse puts the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"mwconform: error: {self.prog}: {message}; see {self.prog} --help\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="mwconform", description="Conformance kit for HTTP middleware in Python web frameworks.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run conformance suites and write a JSON results file")
    _subject_options(run)
    run.add_argument("--suite", action="append", default=[], help=f"suite to run (repeatable; default all: {', '.join(SUITES)})")
    run.add_argument("--json", default="mwconform-results.json", metavar="PATH", help="results file (default %(default)s)")
    run.add_argument("--mode", choices=MODES, default=None, help="serving mode (default: each subject's own)")
    run.add_argument("--strict", action="store_true", help="known MUST and SECURITY deviations and declared crashes fail the run too (exit 1): expected is not conformant")
    run.add_argument("--no-fail", action="store_true", help="exit 0 even when MUST or SECURITY requirements fail (for report building)")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="extra pytest arguments, after --")

    ls = commands.add_parser("list", help="list adapters, subjects and cases without running anything")
    ls.add_argument("--adapter", action="append", default=[], help="only this adapter's subjects")

    smoke = commands.add_parser("smoke", help="prove an adapter or subject is wired (pass-through chain, echo route, short-circuit)")
    _subject_options(smoke)

    report = commands.add_parser("report", help="build the HTML conformance report from results files")
    report.add_argument("results", nargs="+", metavar="RESULTS.json")
    report.add_argument("-o", "--out", default="reports/out", help="output folder (default %(default)s)")
    report.add_argument("--markdown", metavar="PATH", help='also write the Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY")')

    diff = commands.add_parser("diff", help="what changed between two runs; exit 1 on a regression")
    diff.add_argument("old", metavar="OLD.json")
    diff.add_argument("new", metavar="NEW.json")

    args = parser.parse_args(argv)
    try:
        code = {"run": _run, "list": _list, "smoke": _smoke, "report": _report, "diff": _diff}[args.command](args)
        sys.stdout.flush()  # here, not at exit: a reader that is gone by now is a closed pipe below, not a traceback
        return code
    except UsageError as exc:
        print(f"mwconform: error: {exc}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:  # `mwconform list | head -1`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python docs, "Note on SIGPIPE"
        return OK


def _subject_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--adapter", action="append", default=[], help=f"grade every subject of this adapter ({', '.join(ADAPTERS)})")
    parser.add_argument("--subject", action="append", default=[], help="grade this subject: adapter/variant or package.module:attr")


def _selected(args: argparse.Namespace) -> list[tuple[Subject, str]]:
    if not args.adapter and not args.subject:
        raise UsageError(f"name what to grade: --adapter NAME ({', '.join(ADAPTERS)}) or --subject adapter/variant|package.module:attr")
    return select(args.adapter, args.subject)


def _run(args: argparse.Namespace) -> int:
    import pytest

    suites = args.suite or list(SUITES)
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        raise UsageError(f"unknown suite {unknown[0]!r}; accepted: {', '.join(SUITES)}")
    # Fail fast, with one line and exit 2, where the plugin inside pytest would say it with exit 4.
    chosen = _selected(args)
    refuse_ungraded([s for s, _ in chosen], {s.name for s, spec in chosen if spec in args.subject}, set(suites))
    path = Path(args.json)
    _writable(path, "--json")
    pytest_args = ["-q", "-p", "no:cacheprovider", "--rootdir", tempfile.gettempdir(), "--pyargs"]
    pytest_args += [f"mwconform.suites.{s}" for s in suites]
    pytest_args += [f"--mwc-adapter={a}" for a in args.adapter] + [f"--mwc-subject={s}" for s in args.subject]
    pytest_args += [f"--mwc-json={args.json}"] + ([f"--mwc-mode={args.mode}"] if args.mode else []) + (["--mwc-strict"] if args.strict else [])
    started = time.time()
    code = pytest.main(pytest_args + _distribution(args.pytest_args))
    written = path.is_file() and path.stat().st_mtime >= started
    if signals.received is not None and not written:
        print(f"mwconform: stopped by {signals.name(signals.received)}; no results were written", file=sys.stderr)
        return _exit(INTERRUPTED)
    if code == pytest.ExitCode.USAGE_ERROR:
        return _exit(USAGE)  # pytest has said what was wrong
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and not (written and json.loads(path.read_text(encoding="utf-8"))["cases"]):
        print(f"mwconform: no case matched the selection (suites {', '.join(suites)}; pytest arguments {' '.join(args.pytest_args) or 'none'})", file=sys.stderr)
        return _exit(NO_VERDICT)
    if code == pytest.ExitCode.INTERNAL_ERROR or not written:
        print(f"mwconform: pytest stopped with exit code {int(code)} before writing {path}", file=sys.stderr)
        return _exit(INTERNAL)
    results = json.loads(path.read_text(encoding="utf-8"))
    cases = results["cases"]
    if not results["complete"]:
        print(f"mwconform: {results['incomplete']}; {path} holds them and is marked incomplete", file=sys.stderr)
        return _exit(INTERRUPTED)
    if not reached_a_verdict(cases):
        print(f"mwconform: {no_verdict_reason(cases)}", file=sys.stderr)
        return _exit(NO_VERDICT)
    standings = [of_subject(name, cases, results["requirements"]) for name in sorted({c["subject"] for c in cases})]
    breaking = [s for s in standings if s.blocking]
    known = sum(b.known for s in breaking for b in s.blocking)
    failing = failing_the_run(cases, results["requirements"], args.strict)
    errors = sum(c["outcome"] == "error" for c in cases)
    crashes = sum(bool(c.get("expected_crash")) for c in cases)
    declared = f" ({crashes} expected crashes{', failing under --strict' if args.strict else ''})" if crashes else ""
    print(
        f"mwconform: {len(cases)} verdicts; {len(breaking)} of {len(standings)} subjects break MUST or SECURITY requirements "
        f"({sum(len(s.blocking) for s in breaking) - known} failing, {known} known deviations{', failing under --strict' if args.strict and known else ''}); "
        f"{errors} errors{declared} -> {path}"
    )
    return _exit(OK if args.no_fail or not failing else BROKEN)


def _writable(path: Path, what: str) -> None:
    try:
        check_writable(path, what)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _exit(code: int) -> int:
    """`code`, also as the status the process ends with when subjects left threads it cannot join."""
    harness.exit_despite_leaked_threads(code)
    return code


def _distribution(pytest_args: list[str]) -> list[str]:
    """`-n N` without a `--dist` gets `--dist worksteal`: the cases differ in cost by 1000× (a
    hypothesis search against one request), and worksteal with the slow cases first ends the
    workers together where xdist's default `load` left one worker running alone for seconds."""
    parallel = any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args)
    chosen = any(a.startswith("--dist") for a in pytest_args)
    return [*pytest_args, "--dist", "worksteal"] if parallel and not chosen else pytest_args


def _list(args: argparse.Namespace) -> int:
    from .suites import catalogue

    unknown = [a for a in args.adapter if a not in ADAPTERS]
    if unknown:
        raise UsageError(f"unknown adapter {unknown[0]!r}; accepted: {', '.join(ADAPTERS)}")
    for adapter in args.adapter or ADAPTERS:
        print(f"adapter {adapter}")
        try:
            subjects = subjects_of(adapter)
        except UsageError as exc:
            print(f"  (unavailable: {exc})")
            continue
        for s in subjects:
            print(f"  {s.name:28} profile={s.profile:6} suites={','.join(sorted(s.suites))}  {s.description}")
            for case_id, reason in s.known.items():
                print(f"    known {case_id}: {reason}")
    for suite, cases in catalogue().items():
        print(f"suite {suite} ({len(cases)} cases)")
        for c in cases:
            needs = f"  needs {','.join(sorted(c.needs))}" if c.needs else ""
            print(f"  {c.id:48} [{c.level}] {c.title}{needs}")
    return 0


def _smoke(args: argparse.Namespace) -> int:
    from .smoke import smoke

    failed = 0
    for subject, _ in _selected(args):
        problem = smoke(subject)
        print(f"{subject.name:28} {'ok' if problem is None else 'BROKEN: ' + problem}")
        failed += problem is not None
    return BROKEN if failed else OK


def _report(args: argparse.Namespace) -> int:
    from .reports.html import build

    paths = _results_files(args.results)
    out = Path(args.out)
    _writable(out / "index.html", "-o")
    if args.markdown:
        _writable(Path(args.markdown), "--markdown")
    try:
        index = build(paths, out, Path(args.markdown) if args.markdown else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"report: {index.resolve()}")
    return OK


def _diff(args: argparse.Namespace) -> int:
    from .reports.changes import compare, render

    old, new = _results_files([args.old, args.new])
    try:
        changes = compare(old, new)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(render(changes))
    return BROKEN if changes.regressions else OK


def _results_files(names: list[str]) -> list[Path]:
    paths = [Path(p) for p in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"no results file at {', '.join(missing)}; make one with: mwconform run --adapter NAME --json PATH")
    return paths


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
