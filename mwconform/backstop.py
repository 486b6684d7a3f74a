"""A worker's promise to the run: by when the case in progress will have a verdict.

The lane's watchdog (`mwconform.lane`) is a thread of the worker's own interpreter. Code that
blocks while holding the GIL (a C call such as `sum(range(10**15))`, a regular expression that
backtracks for hours) stops that thread too, so the worker can no longer end the case. The run
then enforces the deadline from outside: `harness.run` writes here, in memory shared with the
run's process, the monotonic time by which it will have finished (its deadline, pushed further
only by the watchdog when it is handling an overrun, which proves the interpreter still runs); the
run kills a worker that is `overdue` by more than `GRACE`. CLOCK_MONOTONIC is one clock for every
process of the machine, so both sides compare the same numbers.
"""

from __future__ import annotations

import time
from multiprocessing.sharedctypes import RawArray
from typing import Any

#: Seconds past a worker's promise before the run kills it (the watchdog's own overrun handling,
#: which pushes the promise on as it starts, fits well inside).
GRACE = 1.0

_END, _DEADLINE = 0, 1
#: In a worker: the memory the run shares with it (None in a run without worker processes).
_shared: Any = None


def share() -> Any:
    """Memory for one worker's promise; create it in the run before forking the worker."""
    return RawArray("d", 2)


def adopt(shared: Any) -> None:
    """In the worker, just after the fork: promises go to `shared` from now on."""
    global _shared
    _shared = shared
    clear()


def promise(seconds: float, deadline: float | None = None) -> None:
    """The case in progress will have its verdict within `seconds` from now (`deadline`: the case's own, for the reason)."""
    if _shared is not None:
        _shared[_END] = time.monotonic() + seconds
        if deadline is not None:
            _shared[_DEADLINE] = deadline


def clear() -> None:
    """No promise in force (between cases, or while only mwconform's own code runs)."""
    if _shared is not None:
        clear_in(_shared)


def clear_in(shared: Any) -> None:
    """In the run, before sending a worker its next case: no promise of the last one stays in force."""
    shared[_END] = 0.0


def overdue(shared: Any) -> float | None:
    """In the run: the deadline (seconds) of a promise broken by more than GRACE, else None."""
    end = shared[_END]
    if end and time.monotonic() > end + GRACE:
        return float(shared[_DEADLINE])
    return None
