"""A real Redis for the session subjects: the one named by MWC_REDIS_URL, or a private redis-server.

`redis_url()` is what Redis-backed subjects call. Without MWC_REDIS_URL it starts Debian's
`redis-server` once per process on a free loopback port (no persistence); where there is no
redis-server either it raises `NotApplicable`, so Redis cases are `n/a` with that reason, never
silently skipped.

The private server dies with the run on every exit path, not only through `atexit`: mirakuru
starts it in its own session (a Ctrl-C meant for the run's process group never reaches it, and it
is stopped as a group) and the child asks Linux for a parent-death signal (`PR_SET_PDEATHSIG`), so
SIGKILL, `os._exit` or a crash of the run kills it too. That signal follows the *thread* that
forked, so the server is started from a keeper thread that lives as long as the process.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from typing import Any
from urllib.parse import urlsplit

from .outcomes import HarnessError, NotApplicable
from .pdeathsig import die_with_parent

ENV = "MWC_REDIS_URL"
START_TIMEOUT = 10.0  # seconds a starting redis-server has to accept connections

_shared: RedisServer | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dies_with(parent: int) -> Any:
    """A preexec function: a session of its own, and SIGKILL when the forking thread ends."""

    def preexec() -> None:
        os.setsid()
        die_with_parent(parent)

    return preexec


def _executor(command: list[str], port: int) -> Any:
    from mirakuru import TCPExecutor

    class Executor(TCPExecutor):
        @property
        def _popen_kwargs(self) -> dict[str, Any]:
            kwargs: dict[str, Any] = super()._popen_kwargs
            kwargs["preexec_fn"] = _dies_with(os.getpid())  # mirakuru's own is a bare os.setsid
            return kwargs

    quiet = subprocess.DEVNULL
    return Executor(command, host="127.0.0.1", port=port, timeout=START_TIMEOUT, sleep=0.02, stdin=None, stdout=quiet, stderr=quiet)


class RedisServer:
    """One redis-server process on 127.0.0.1, started on a free port, stopped with its process group."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.executor: Any = None
        self.port = 0
        self._dir = tempfile.TemporaryDirectory(prefix="mwc-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def process(self) -> Any:
        return None if self.executor is None else self.executor.process

    def start(self) -> str:
        """Start the server (a few tries: a free port can be taken before redis binds it); its URL."""
        from mirakuru.exceptions import ExecutorError

        for _ in range(3):
            self.port = _free_port()
            args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            args += ["--dir", self._dir.name, "--daemonize", "no", "--loglevel", "warning", "--logfile", ""]
            self.executor = _executor([self.executable, *args], self.port)
            started: concurrent.futures.Future[None] = concurrent.futures.Future()
            threading.Thread(target=self._keep, args=(started,), name="mwc-redis-keeper", daemon=True).start()
            try:
                started.result(START_TIMEOUT + 5)
                return self.url
            except (ExecutorError, concurrent.futures.TimeoutError):
                self.stop()
        raise HarnessError(f"{self.executable} did not start on 127.0.0.1 (3 tries, {START_TIMEOUT:g} s each)")

    def _keep(self, started: concurrent.futures.Future[None]) -> None:
        """Start the server and wait for it: this thread is the parent its death signal follows."""
        executor = self.executor
        try:
            executor.start()
        except BaseException as exc:  # handed to the starting thread
            started.set_exception(exc)
            return
        started.set_result(None)
        executor.process.wait()

    def stop(self) -> None:
        if self.executor is not None and self.executor.running():
            self.executor.stop()
        self.executor = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def find_executable() -> str | None:
    return shutil.which("redis-server")


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable Redis URL (None when it is), in the words of a one-line error."""
    accepted = "accepted: redis://[user:password@]host[:port][/db], rediss://..., unix:///path/to/socket"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"{ENV}={url!r} is not a URL ({exc}); {accepted}"
    if parts.scheme == "unix":
        return None if parts.path else f"{ENV}={url!r} names no socket path; {accepted}"
    if parts.scheme not in ("redis", "rediss"):
        return f"{ENV}={url!r} has scheme {parts.scheme or '(none)'!r}; {accepted}"
    if not parts.hostname:
        return f"{ENV}={url!r} names no host; {accepted}"
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        return f"{ENV}={url!r}: database {db!r} is not a number; {accepted}"
    return None


def redis_url() -> str:
    """MWC_REDIS_URL if set, else the URL of this process's private redis-server (started once)."""
    global _shared
    if os.environ.get(ENV):
        url = os.environ[ENV]
        problem = url_problem(url)
        if problem:
            raise HarnessError(problem)
        return url
    if _shared is None:
        executable = find_executable()
        if executable is None:
            raise NotApplicable(f"no Redis: redis-server is not installed (apt-get install redis-server) and {ENV} is not set")
        server = RedisServer(executable)
        server.start()
        atexit.register(server.close)
        _shared = server
    return _shared.url


def close_shared() -> None:
    """Stop this process's private redis-server now, if it started one (a worker process ends with os._exit)."""
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None
