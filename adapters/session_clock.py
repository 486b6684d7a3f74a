"""Moving the wall clock of session packages that read it, with time-machine.

Session packages (aiohttp-session, sanic-session, Fernet's `ttl`, itsdangerous' timestamps) read
`time.time()` or `datetime.now()`. While a subject that declares `clock = "travel"` is served,
`WALL_CLOCK` patches those with time-machine (in C-level calls too, so `from time import time`
copies move as well), ticking from the real present; a case's `advance(seconds)` then shifts it
forward instantly instead of sleeping.

What it does not move, by design: `time.monotonic()` and `time.perf_counter()`, which asyncio's
loop, httpx, redis-py and the harness's deadlines run on, so every timeout still counts real
seconds; and clocks in other processes. Redis counts key TTLs on its own clock, so a store
there would keep a record time-machine says is long expired (and a package that checks its own
timestamps would then find a record under an id it must not revive): the Redis client of a
session subject follows the wall clock instead (`following`), ageing the keys it set by each
shift. A subject whose session clock lives where neither reaches declares `clock = "sleep"`.

The patch is process-wide; one case runs at a time per process, and apps served at once (the
foreign-key case) share one traveller, counted, so the last one served out stops it and the
process clock is real again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..outcomes import HarnessError

#: How a session subject's clock moves when its backend brings no injectable one.
CLOCKS = {
    "travel": "time-machine shifts this process's wall clock (time.time, datetime.now)",
    "sleep": "the harness really waits (the session clock lives where time-machine cannot reach it)",
}


class WallClock:
    """This process's wall clock under time-machine, held while any travelling subject is served."""

    def __init__(self) -> None:
        self._travel: Any = None
        self._traveller: Any = None
        self._holders = 0
        #: Clocks outside this process that move with this one (a Redis store's key TTLs).
        self._followers: list[Callable[[float], Awaitable[None]]] = []

    @contextmanager
    def held(self) -> Iterator[None]:
        """Travel from now (ticking in real time) until the last holder lets go."""
        if self._holders == 0:
            from .session import require  # session.py serves through this module

            time_machine = require("time_machine", "session")
            self._travel = time_machine.travel(time.time(), tick=True)
            self._traveller = self._travel.start()
        self._holders += 1
        try:
            yield
        finally:
            self._holders -= 1
            if self._holders == 0:
                travel, self._travel, self._traveller = self._travel, None, None
                travel.stop()

    @contextmanager
    def following(self, advance: Callable[[float], Awaitable[None]]) -> Iterator[None]:
        """While inside, each shift of the wall clock also calls `advance(seconds)`."""
        self._followers.append(advance)
        try:
            yield
        finally:
            self._followers.remove(advance)

    async def advance(self, seconds: float) -> None:
        """Shift the wall clock, and every clock that follows it, `seconds` forward at once."""
        if self._traveller is None:
            raise HarnessError("the wall clock can only be moved while a travelling session subject is served")
        self._traveller.shift(seconds)
        for follower in self._followers:
            await follower(seconds)


WALL_CLOCK = WallClock()
