"""Where subjects run: a thread with its own event loop, watched from the harness's thread.

A case's coroutine (build, serve, send, tear down) runs on the lane's loop; the calling thread only
waits for it with a timeout. So a subject that blocks its loop with synchronous code (`time.sleep`,
a busy loop, blocking I/O, a `serve()` that never returns) cannot stop the deadline from firing:
the caller notices that the loop no longer answers, gives up on the lane (a fresh one serves the
next case) and reports the subject as blocked. The blocked thread is a daemon, so it never keeps
the process alive; when the block ends it finishes the cancelled case, which closes its server.

The lane also contains what a subject raises *out of* the loop: `SystemExit` or `KeyboardInterrupt`
from a handler, middleware or hook (asyncio re-raises those out of `run_forever`) ends the case in
progress as an error instead of ending the run, and a task that ignores cancellation is stopped
together with its lane instead of running on through later cases.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: Thread names the harness starts; threads named otherwise that outlive a case are the subject's.
PREFIX = "mwc-"
CLOSE_TIMEOUT = 1.0  # seconds a retiring lane gives each cleanup (closing its HTTP client)
_numbers = itertools.count(1)
_here = threading.local()


def here() -> Lane | None:
    """The lane whose thread is calling, if any."""
    return getattr(_here, "lane", None)


class Lane:
    """One daemon thread running one event loop until `retire()` is called."""

    def __init__(self) -> None:
        number = next(_numbers)
        self.loop = asyncio.new_event_loop()
        # Named workers (asyncio.to_thread, getaddrinfo): they are the harness's, not a leak.
        self.executor = ThreadPoolExecutor(thread_name_prefix=f"{PREFIX}lane{number}-worker")
        self.loop.set_default_executor(self.executor)
        #: Per-lane state owned by the harness (its HTTP client: connections belong to one loop).
        self.state: dict[str, Any] = {}
        #: Coroutine functions run (bounded by CLOSE_TIMEOUT) when the lane retires.
        self.cleanups: list[Callable[[], Awaitable[Any]]] = []
        #: The task of the case in progress, and what escaped the loop while it ran.
        self.current: asyncio.Task[Any] | None = None
        self.escaped: BaseException | None = None
        self.retired = False
        self.thread = threading.Thread(target=self._run, name=f"{PREFIX}lane{number}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        _here.lane = self
        asyncio.set_event_loop(self.loop)
        while not self.retired:
            try:
                self.loop.run_forever()
            except (SystemExit, KeyboardInterrupt) as exc:  # raised by subject code in a task or callback
                self.escaped = exc
                if self.current is not None:
                    self.current.cancel()
        # Retired: whatever is left (a task that ignores cancellation) never runs again.
        for cleanup in self.cleanups:
            try:
                self.loop.run_until_complete(asyncio.wait_for(cleanup(), CLOSE_TIMEOUT))
            except Exception:  # noqa: S112 - best effort: the lane is going away either way
                continue
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.loop.close()

    def responsive(self, timeout: float) -> bool:
        """Whether the loop runs a callback within `timeout` seconds (False: something blocks it)."""
        answered = threading.Event()
        self.loop.call_soon_threadsafe(answered.set)
        return answered.wait(timeout)

    def retire(self) -> None:
        """Stop the loop once it gets control back; the thread then closes it and ends."""
        self.retired = True
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
