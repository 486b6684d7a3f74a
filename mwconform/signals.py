"""SIGTERM and SIGHUP end a run the way Ctrl-C does: cleanly, with the results gathered so far.

CI cancellation, `timeout` and `docker stop` send SIGTERM; a closed terminal sends SIGHUP; tox
follows SIGINT with SIGTERM 0.3 s later. Each of them, the first time, raises `Stopped` (a
`KeyboardInterrupt`) in the main thread, so pytest unwinds as it does for Ctrl-C: the case in
progress is cut off, `pytest_sessionfinish` still runs (the results file is written) and every
context manager and `atexit` hook stops what it started. Signals that arrive while the run is
already stopping are ignored, so a second one cannot break that unwinding half-way (SIGKILL still
works; the private Redis dies with the run then too, see `redis_server`).

`on_stop(callback)` registers a function called with the signal number before the unwinding starts
(e.g. to flush partial results); it must be quick and must not raise.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

#: The signal that stopped this run, if one did.
received: int | None = None
_callbacks: list[Callable[[int], None]] = []


class Stopped(KeyboardInterrupt):
    """The run was asked to stop by a signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {name(signum)}")
        self.signum = signum


def name(signum: int) -> str:
    return signal.Signals(signum).name


def on_stop(callback: Callable[[int], None]) -> None:
    """Call `callback(signum)` when a signal stops the run, before the unwinding starts."""
    _callbacks.append(callback)


def forget(callback: Callable[[int], None]) -> None:
    """Stop calling `callback` on a stop."""
    if callback in _callbacks:
        _callbacks.remove(callback)


def _handle(signum: int, frame: FrameType | None) -> None:
    global received
    if received is not None:
        return  # already stopping
    received = signum
    for callback in _callbacks:
        callback(signum)
    raise Stopped(signum)


@contextmanager
def held() -> Iterator[None]:
    """Hold the signals above (they stay pending) for the block: an exception raised by the handler
    inside `os.fork()`'s at-fork callbacks would be printed and ignored, and the stop lost."""
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)


def install() -> Callable[[], None]:
    """Handle SIGINT, SIGTERM and SIGHUP as above; returns a function that puts the old handlers back.

    Does nothing outside the main thread (Python only lets the main thread set handlers).
    """
    global received
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    received = None
    previous = {s: signal.signal(s, _handle) for s in HANDLED}

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)

    return restore
