"""Each subject's cases run in a process of their own: a fork of the run, one per subject.

pytest still walks the items in order; when it reaches the first case of a subject, the run forks
a worker that runs that subject's consecutive cases (`runtestprotocol`, as pytest-forked does per
test) and sends each case's reports back through a pipe, where they are logged as if run here.
What a subject does to its process (`os._exit`, an interpreter crash, monkeypatching its framework,
module state) ends with its worker, so it can change neither another subject's verdicts nor the
run. A worker that dies costs the case in progress (`error`, with its exit status) and the rest of
that subject's cases (quick `error`s that name the case it died in); the run goes on with the next
subject in a fresh worker.

Why one fork per subject rather than existing machinery: pytest-forked forks per case (a fork,
a new event-loop thread and HTTP client per case, and no memory of a subject that blocked), and
pytest-xdist neither gives a subject a process of its own (groups share workers one after another)
nor survives more than `--max-worker-restart` crashed workers. Under xdist (`-n`) this mode is off;
the lane (`mwconform.lane`) still contains blocking code, and xdist replaces a crashed worker.
Linux and macOS only (it needs `os.fork`); elsewhere cases run in the run's own process.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import traceback
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

import pytest
from _pytest.runner import runtestprotocol

from . import redis_server, signals
from .pdeathsig import die_with_parent

MODES = ("process", "thread")


def available(config: pytest.Config) -> bool:
    """Whether subjects get worker processes in this run (`--mwc-isolation=process`, no xdist, os.fork)."""
    under_xdist = hasattr(config, "workerinput") or bool(getattr(config.option, "numprocesses", None))
    return hasattr(os, "fork") and config.getoption("mwc_isolation") == "process" and not under_xdist


def subject_of(item: pytest.Item) -> Any:
    """The bundled or --mwc-subject subject an item grades (None: not a parametrized suite case)."""
    return getattr(getattr(item, "callspec", None), "params", {}).get("mwc_subject")


class Workers:
    """Runs each subject's consecutive cases in one forked worker; a pytest_runtest_protocol implementation."""

    def __init__(self, session: pytest.Session, crashed: Any) -> None:
        _warm_up()
        self.session = session
        #: `crashed(item, reason)` → the report for a case whose worker died (the plugin builds it).
        self.crashed = crashed
        self.worker: _Worker | None = None
        self.index = {item.nodeid: i for i, item in enumerate(session.items)}

    def protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool:
        subject = subject_of(item)
        if self.worker is None or item.nodeid not in self.worker.pending:
            self.close()
            self.worker = _Worker(self.session, self._group(item))
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for report in self.worker.reports(item, self.crashed):
            item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        if nextitem is None or subject_of(nextitem) is not subject:
            self.close()
        return True

    def _group(self, item: pytest.Item) -> list[pytest.Item]:
        """`item` and the items right after it that grade the same subject."""
        items = self.session.items
        start = end = self.index[item.nodeid]
        while end + 1 < len(items) and subject_of(items[end + 1]) is subject_of(item):
            end += 1
        return items[start : end + 1]

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None


def _warm_up() -> None:
    """Serve one request with the bundled reference subject here, once, before any fork.

    What a first request imports and initialises (uvicorn's protocol, httpx's and httpcore's
    connection code, h11) is then inherited by every worker instead of paid again in each one
    (about 140 ms of CPU per worker). Only mwconform's own code runs; its loop is closed after.
    """
    from .adapters.reference import ReferenceOnion
    from .harness import send
    from .reference.probes import Recorder
    from .reference.scenario import Call, Route, Scenario

    async def once() -> None:
        recorder = Recorder()
        async with ReferenceOnion().serve(Scenario((Route("GET", "/ok"),)), recorder, "socket") as target:
            await send(target, recorder, [Call("GET", "/ok")])

    try:
        asyncio.run(once())
    except Exception:  # noqa: S110 - only a speed-up: each worker then warms up by itself
        pass


class _Worker:
    """One forked process running `items` in order, sending (nodeid, serialized reports) per item."""

    def __init__(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        self.config = session.config
        self.pending = {item.nodeid for item in items}
        self.died: str | None = None
        receive, send = Pipe(duplex=False)
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        # Frozen objects are never scanned by the worker's collector: without this, its first full
        # collection touches (and so copies) the whole inherited heap, ~80 ms of CPU per worker.
        gc.freeze()
        with signals.held():
            pid = os.fork()
            if pid == 0:  # the worker: its signals stay held until it has its own handlers
                receive.close()
                _work(session, items, send, parent)
        gc.unfreeze()
        send.close()
        self.pid: int | None = pid
        self.conn: Connection = receive

    def reports(self, item: pytest.Item, crashed: Any) -> list[pytest.TestReport]:
        self.pending.discard(item.nodeid)
        if self.died is not None:
            return [crashed(item, f"not run: {self.died}")]
        try:
            nodeid, data = self.conn.recv()
        except (EOFError, OSError):
            status = self._wait()
            name = getattr(subject_of(item), "name", "the subject")
            self.died = f"{name} ended its worker process ({status}) in {item.name}"
            return [crashed(item, f"{name} ended its worker process ({status}) while running this case; the run goes on without it")]
        if nodeid != item.nodeid:
            raise RuntimeError(f"worker sent {nodeid}, expected {item.nodeid}")  # a bug of ours, not the subject's
        return [self.config.hook.pytest_report_from_serializable(config=self.config, data=d) for d in data]

    def _wait(self) -> str:
        """Reap the worker; how it ended, in words."""
        if self.pid is None:
            return "already reaped"
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        code = os.waitstatus_to_exitcode(status)
        return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"

    def close(self) -> None:
        """End the worker (it exits by itself after its last case; killed when the run stops early)."""
        if self.pid is not None:
            if self.pending:
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        self.conn.close()


def _work(session: pytest.Session, items: list[pytest.Item], send: Connection, parent: int) -> None:
    """The worker's whole life: run the items, report each, exit without the parent's exit hooks."""
    status = 0
    try:
        die_with_parent(parent)
        # The parent handles Ctrl-C and SIGTERM and kills the worker; the default ends it otherwise.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals.HANDLED)
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
            send.send((item.nodeid, [session.config.hook.pytest_report_to_serializable(config=session.config, report=r) for r in reports]))
    except BaseException:  # noqa: BLE001 - whatever ends the worker, the parent reports it
        traceback.print_exc()
        status = 70
    finally:
        redis_server.close_shared()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
