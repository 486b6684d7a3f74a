"""`mwconform` command line: run the suites, list what exists, smoke-test a wiring, build reports.

    mwconform run --adapter aiohttp [--suite pipeline] [--subject NAME|module:attr] [--json PATH]
    mwconform list [--adapter NAME]
    mwconform smoke --adapter NAME [--subject ...]
    mwconform report RESULTS.json... -o DIR [--markdown PATH]

`run` is pytest underneath (progress dots, JUnit via --junitxml, xdist via -n); its exit code is
non-zero when a MUST requirement fails or any case errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .adapters import ADAPTERS, UsageError, refuse_ungraded, select, subjects_of
from .adapters.base import MODES, Subject
from .suites import SUITES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mwconform", description="Conformance kit for HTTP middleware in Python web frameworks.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run conformance suites and write a JSON results file")
    _subject_options(run)
    run.add_argument("--suite", action="append", default=[], help=f"suite to run (repeatable; default all: {', '.join(SUITES)})")
    run.add_argument("--json", default="mwconform-results.json", metavar="PATH", help="results file (default %(default)s)")
    run.add_argument("--mode", choices=MODES, default=None, help="serving mode (default: each subject's own)")
    run.add_argument("--no-fail", action="store_true", help="exit 0 even when MUST requirements fail (for report building)")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="extra pytest arguments, after --")

    ls = commands.add_parser("list", help="list adapters, subjects and cases without running anything")
    ls.add_argument("--adapter", action="append", default=[], help="only this adapter's subjects")

    smoke = commands.add_parser("smoke", help="prove an adapter or subject is wired (pass-through chain, echo route, short-circuit)")
    _subject_options(smoke)

    report = commands.add_parser("report", help="build the HTML conformance report from results files")
    report.add_argument("results", nargs="+", metavar="RESULTS.json")
    report.add_argument("-o", "--out", default="reports/out", help="output folder (default %(default)s)")
    report.add_argument("--markdown", metavar="PATH", help='also write the Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY")')

    args = parser.parse_args(argv)
    try:
        return {"run": _run, "list": _list, "smoke": _smoke, "report": _report}[args.command](args)
    except UsageError as exc:
        print(f"mwconform: error: {exc}", file=sys.stderr)
        return 2


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
    pytest_args = ["-q", "-p", "no:cacheprovider", "--rootdir", tempfile.gettempdir(), "--pyargs"]
    pytest_args += [f"mwconform.suites.{s}" for s in suites]
    pytest_args += [f"--mwc-adapter={a}" for a in args.adapter] + [f"--mwc-subject={s}" for s in args.subject]
    pytest_args += [f"--mwc-json={args.json}"] + ([f"--mwc-mode={args.mode}"] if args.mode else []) + args.pytest_args
    code = pytest.main(pytest_args)
    if code not in (0, 1):  # usage error, interrupted, internal error, nothing collected
        return int(code)
    results = json.loads(Path(args.json).read_text(encoding="utf-8"))
    must_failed = [c for c in results["cases"] if c["outcome"] == "fail" and c["level"] == "MUST"]
    errors = [c for c in results["cases"] if c["outcome"] == "error"]
    print(f"mwconform: {len(results['cases'])} verdicts, {len(must_failed)} MUST failures, {len(errors)} errors -> {args.json}")
    return 0 if args.no_fail or not (must_failed or errors) else 1


def _list(args: argparse.Namespace) -> int:
    from .suites import catalogue

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
    return 1 if failed else 0


def _report(args: argparse.Namespace) -> int:
    from .reports.html import build

    paths = [Path(p) for p in args.results]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"no results file at {', '.join(missing)}; make one with: mwconform run --adapter NAME --json PATH")
    try:
        index = build(paths, Path(args.out), Path(args.markdown) if args.markdown else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"report: {index.resolve()}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
