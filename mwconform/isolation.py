"""Each subject's cases run in a process of their own: a fork of the run, one per subject.

pytest still walks the items in order; at the first case of a subject the run forks a worker,
then sends it that subject's cases one at a time (the worker runs each with `runtestprotocol`, as
pytest-forked does per test) and logs the reports it sends back as if the case had run here.
What a subject does to its process (`os._exit`, an interpreter crash, monkeypatching its framework,
module state) ends with its worker, so it can change neither another subject's verdicts nor the
run. A worker that dies costs the case in progress (`error`, with its exit status) and the rest of
that subject's cases (quick `error`s that name the case it died in); the run goes on with the next
subject in a fresh worker. A worker whose interpreter is blocked (code holding the GIL starves the
watchdog thread inside it) breaks its promise (`mwconform.backstop`) and is killed from here, with
the same accounting.

The run decides what the worker runs next, case by case, because under pytest-xdist only the xdist
worker knows its next case (it is handed cases as the controller schedules them): each xdist worker
forks the worker processes of the cases it is given, so isolation holds with `-n` too.

Why one fork per subject rather than existing machinery: pytest-forked forks per case (a fork,
a new event-loop thread and HTTP client per case, and no memory of a subject that blocked), and
pytest-xdist neither gives a subject a process of its own (groups share workers one after another)
nor survives more than `--max-worker-restart` crashed workers.
Linux and macOS only (it needs `os.fork`); elsewhere cases run in the run's own process.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
import traceback
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

import pytest
from _pytest.runner import runtestprotocol

from . import backstop, redis_server, signals
from .pdeathsig import die_with_parent

MODES = ("process", "thread")


def available(config: pytest.Config) -> bool:
    """Whether subjects get worker processes in this run (`--mwc-isolation=process` and os.fork).

    Under pytest-xdist too: each xdist worker forks the worker processes of the cases it is given.
    """
    return hasattr(os, "fork") and config.getoption("mwc_isolation") == "process"


def subject_of(item: pytest.Item) -> Any:
    """The bundled or --mwc-subject subject an item grades (None: not a parametrized suite case)."""
    return getattr(getattr(item, "callspec", None), "params", {}).get("mwc_subject")


class Workers:
    """Runs each subject's consecutive cases in one forked worker; a pytest_runtest_protocol implementation."""

    def __init__(self, session: pytest.Session, crashed: Any) -> None:
        _warm_up()
        self.session = session
        #: `crashed(item, reason)` → the report for a case its worker could not run (the plugin builds it).
        self.crashed = crashed
        self.worker: _Worker | None = None
        #: Subject name → why its later cases are not run (its worker died, or it blocked).
        self.lost: dict[str, str] = {}
        self.index = {item.nodeid: i for i, item in enumerate(session.items)}
        self.shared = backstop.share()

    def protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool:
        subject = subject_of(item)
        name = getattr(subject, "name", "the subject")
        following = nextitem if nextitem is not None and subject_of(nextitem) is subject else None
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        if name in self.lost:
            reports = [self.crashed(item, self.lost[name])]
        else:
            if self.worker is None or self.worker.subject is not subject:
                self.close()
                self.worker = _Worker(self.session, subject, self.shared)
            reports = self.worker.run(item, self.index[item.nodeid], None if following is None else self.index[following.nodeid], self.crashed)
            if self.worker.lost is not None:
                self.lost[name] = self.worker.lost
        for report in reports:
            item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        if following is None:
            self.close()
        return True

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
    """One forked process that runs the items it is sent, one at a time, and answers with their reports."""

    def __init__(self, session: pytest.Session, subject: Any, shared: Any) -> None:
        self.config = session.config
        self.subject, self.shared = subject, shared
        self.name = getattr(subject, "name", "the subject")
        #: Why the subject's later cases are not run, once it died or blocked (None: it did not).
        self.lost: str | None = None
        self.busy = False
        self.blocked = ""  # the reason, once the worker was killed for blocking the interpreter
        ours, theirs = Pipe()
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        # Frozen objects are never scanned by the worker's collector: without this, its first full
        # collection touches (and so copies) the whole inherited heap, ~80 ms of CPU per worker.
        gc.freeze()
        with signals.held():
            pid = os.fork()
            if pid == 0:  # the worker: its signals stay held until it has its own handlers
                ours.close()
                _work(session, theirs, parent, shared)
        gc.unfreeze()
        theirs.close()
        self.pid: int | None = pid
        self.conn: Connection = ours

    def run(self, item: pytest.Item, index: int, following: int | None, crashed: Any) -> list[pytest.TestReport]:
        """Have the worker run `item` (then keep the fixtures `following` needs); its reports."""
        self.busy = True
        started = time.monotonic()
        backstop.clear_in(self.shared)
        try:
            self.conn.send((index, following))
            answer = self._answer()
        except (EOFError, OSError):
            status = self._wait()
            self.lost = f"not run: {self.name} ended its worker process ({status}) in {item.name}"
            return [crashed(item, f"{self.name} ended its worker process ({status}) while running this case; the run goes on without it", time.monotonic() - started)]
        if answer is None:  # overdue: killed
            self.lost = f"not run: {self.name} blocked the interpreter in {item.name}, so its worker process was killed"
            return [crashed(item, self.blocked, time.monotonic() - started)]
        self.busy = False
        nodeid, data, quarantined = answer
        if nodeid != item.nodeid:
            raise RuntimeError(f"worker sent {nodeid}, expected {item.nodeid}")  # a bug of ours, not the subject's
        self.lost = quarantined
        return [self.config.hook.pytest_report_from_serializable(config=self.config, data=d) for d in data]

    def _answer(self) -> Any:
        """The worker's answer for the case in progress; None after killing a worker that broke its promise."""
        while not self.conn.poll(_POLL):
            deadline = backstop.overdue(self.shared)
            if deadline is not None:
                self.blocked = (
                    f"{self.name} blocked the interpreter (code that holds the GIL: a C call, a regular expression that "
                    f"backtracks): no verdict within its deadline of {deadline:g} s + {backstop.GRACE:g} s, so its worker "
                    "process was killed; the run goes on without it"
                )
                os.kill(self.pid, signal.SIGKILL)  # type: ignore[arg-type]
                self._wait()
                return None
        return self.conn.recv()

    def _wait(self) -> str:
        """Reap the worker; how it ended, in words."""
        if self.pid is None:
            return "already reaped"
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        code = os.waitstatus_to_exitcode(status)
        return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"

    def close(self) -> None:
        """End the worker: told to exit after its last case, killed when the run stops in the middle of one."""
        if self.pid is not None:
            try:
                if self.busy:
                    raise OSError("a case is in progress")
                self.conn.send(None)
                if not self.conn.poll(_EXIT):
                    raise OSError("it did not exit")
            except OSError:
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        self.conn.close()


_POLL = 0.05  # seconds between looks at a busy worker's promise
_EXIT = 10.0  # seconds a worker told to exit may take (its last teardown, closing Redis clients)


def _work(session: pytest.Session, conn: Connection, parent: int, shared: Any) -> None:
    """The worker's whole life: run the items it is sent, answer each, exit without the parent's exit hooks."""
    from . import harness

    status = 0
    try:
        die_with_parent(parent)
        backstop.adopt(shared)
        # The parent handles Ctrl-C and SIGTERM and kills the worker; the default ends it otherwise.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals.HANDLED)
        _leave_xdist(session.config)
        items, hook = session.items, session.config.hook
        while (order := conn.recv()) is not None:
            index, following = order
            item = items[index]
            reports = runtestprotocol(item, nextitem=None if following is None else items[following], log=False)
            serialized = [hook.pytest_report_to_serializable(config=session.config, report=r) for r in reports]
            conn.send((item.nodeid, serialized, harness.quarantined(getattr(subject_of(item), "name", ""))))
        conn.close()
    except BaseException:  # noqa: BLE001 - whatever ends the worker, the parent reports it
        traceback.print_exc()
        status = 70
    finally:
        redis_server.close_shared()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _leave_xdist(config: pytest.Config) -> None:
    """Under pytest-xdist: the inherited channel to the controller is the xdist worker's, never this process's.

    xdist's worker plugin would send events (a recorded warning) down that channel from here too,
    interleaved with the xdist worker's own; the xdist worker sends this process's reports instead.
    """
    for plugin in config.pluginmanager.get_plugins():
        if type(plugin).__name__ == "WorkerInteractor" and type(plugin).__module__ == "xdist.remote":
            config.pluginmanager.unregister(plugin)
