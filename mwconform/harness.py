"""Drives subjects: one event loop and one HTTP client per process, a deadline per case.

Cases are plain (sync) pytest functions that call `run()`, so the suites work the same in a
user's CI whatever their pytest-asyncio mode is. The loop and the socket client are created once
per process and reused, because creating an `httpx.AsyncClient` costs a TLS context (~20 ms).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .adapters.base import Target
from .outcomes import HarnessError
from .reference.http import Headers
from .reference.probes import REQUEST_ID, Recorder
from .reference.scenario import Call, Scenario

if TYPE_CHECKING:
    from .adapters.base import Subject

T = TypeVar("T")

DEFAULT_DEADLINE = 10.0  # seconds a whole case may take, servers included
REQUEST_TIMEOUT = 5.0  # seconds one request may take before the subject counts as hung
_GRACE = 2.0  # seconds a cancelled case gets to tear its server down

_loop: asyncio.AbstractEventLoop | None = None
_client: httpx.AsyncClient | None = None


def _no_cookies() -> CookieJar:
    """A jar that accepts no cookie: every case sends exactly the Cookie headers it means to, and
    a cookie one subject sets never reaches another (cookies are per host, not per port)."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))


def loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop


def run(coro: Coroutine[Any, Any, T], deadline: float = DEFAULT_DEADLINE, what: str = "running the case") -> T:
    """Run `coro` on the process loop; past `deadline` seconds cancel it and raise HarnessError.

    Tasks the case left running (a hung handler inside a server, a subject's background work) are
    cancelled afterwards, so no case leaks work into the next one.
    """
    ev = loop()
    before = asyncio.all_tasks(ev)
    task = ev.create_task(coro)
    try:
        ev.run_until_complete(asyncio.wait({task}, timeout=deadline))
        if not task.done():
            task.cancel()
            ev.run_until_complete(asyncio.wait({task}, timeout=_GRACE))
            raise HarnessError(f"deadline of {deadline:g} s passed while {what}")
        return task.result()
    finally:
        leftovers = asyncio.all_tasks(ev) - before - {task}
        for leftover in leftovers:
            leftover.cancel()
        if leftovers:
            ev.run_until_complete(asyncio.wait(leftovers, timeout=_GRACE))


def free_socket() -> socket.socket:
    """A listening-ready TCP socket on 127.0.0.1 with an ephemeral port (never port 0 → 8000)."""
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # accepted sockets inherit it. With proto 0, Nagle held each response's second write until the
    # client's delayed ACK, ~40 ms per keep-alive request on uvicorn (bench/cases.py).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(False)
    return sock


def _socket_client() -> httpx.AsyncClient:
    global _client
    if _client is None:
        # verify=False: loopback plain HTTP only, and it skips loading the CA bundle.
        _client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT, trust_env=False, verify=False, cookies=_no_cookies())
    return _client


@asynccontextmanager
async def serving(subject: Subject, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
    """`subject.serve(...)`, with a failure to build, start or tear down the app reported as an error.

    A crash while building or tearing down is the adapter's (or the subject's wiring), never a
    verdict on a requirement, so it becomes a one-line HarnessError naming the subject.
    """
    manager = subject.serve(scenario, recorder, mode)
    try:
        target = await manager.__aenter__()
    except HarnessError as exc:
        raise HarnessError(f"{subject.name}: {exc}") from exc
    except Exception as exc:
        raise HarnessError(f"{subject.name} could not build or serve the scenario ({mode} mode): {type(exc).__name__}: {exc}") from exc
    try:
        yield target
    except BaseException as exc:
        if not await _teardown(manager, exc, subject, mode):
            raise
    else:
        await _teardown(manager, None, subject, mode)


async def _teardown(manager: AbstractAsyncContextManager[Target], exc: BaseException | None, subject: Subject, mode: str) -> bool:
    """Leave `manager` (passing on `exc`, the case's own exception); True when it swallowed `exc`."""
    try:
        return bool(await manager.__aexit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None))
    except Exception as raised:
        if raised is exc or isinstance(raised, HarnessError):
            raise
        raise HarnessError(f"{subject.name} failed while tearing down the app ({mode} mode): {type(raised).__name__}: {raised}") from raised


class Bridge:
    """How a synchronous search (hypothesis, in a worker thread) sends work to the event loop that
    serves the subject: a served app cannot outlive one `run` call, so the search moves instead."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop, self.timeout = loop, timeout
        #: Set when the search is over (done, or cancelled at the case deadline): a late call stops
        #: at once instead of waiting on a loop that no longer runs it.
        self.stop = threading.Event()

    def call(self, coro: Coroutine[Any, Any, T], what: str) -> T:
        """Run `coro` on the serving loop; wait at most `timeout` seconds for it."""
        if self.stop.is_set():
            coro.close()
            raise HarnessError(f"the case ended before {what}")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise HarnessError(f"no answer within {self.timeout:g} s while {what}") from None


async def in_thread(search: Callable[[Bridge], T], timeout: float) -> T:
    """Run `search` in a worker thread with a `Bridge` back to this loop (each call bounded by `timeout`)."""
    bridge = Bridge(asyncio.get_running_loop(), timeout)
    try:
        return await asyncio.to_thread(search, bridge)
    finally:
        bridge.stop.set()


class Dropped(HarnessError):
    """The subject took the request and closed or reset the connection without answering.

    A harness error for cases that only need an answer; a finding (`Deviation`) for cases that
    send hostile input, where a crash that drops the connection is the observed behaviour.
    """


@dataclass
class Exchange:
    """One request as sent and the response and trace it produced."""

    call: Call
    status: int
    headers: Headers
    body: bytes | None  # None only in a reference prediction: "the framework's own error page"
    trace: list[str] = field(default_factory=list)
    reason: str = ""  # the status line's reason phrase, where some middleware puts error text

    def to_json(self, excerpt: int = 512) -> dict[str, Any]:
        def shown(value: str) -> str:  # a 1 MB token shows as its start and its length
            return value if len(value) <= 4 * excerpt else f"{value[:excerpt]}... ({len(value)} characters)"

        return {
            "request": {"method": self.call.method, "path": shown(self.call.path), "headers": [[n, shown(v)] for n, v in self.call.headers]},
            "response": {
                "status": self.status,
                "reason": self.reason,
                "headers": [list(h) for h in self.headers],
                "body": None if self.body is None else self.body[:excerpt].decode("utf-8", "replace"),
            },
            "trace": self.trace,
        }


async def send(target: Target, recorder: Recorder, calls: Iterable[Call], concurrent: bool = False) -> list[Exchange]:
    """Send `calls` to `target` (one after another, or all at once) and collect their traces."""
    client = _socket_client() if target.transport is None else None
    owned = None
    if client is None:
        owned = client = httpx.AsyncClient(transport=target.transport, timeout=REQUEST_TIMEOUT, trust_env=False, cookies=_no_cookies())

    async def one(index: int, call: Call) -> Exchange:
        request_id = f"r{index}"
        # obs-text (RFC 9110 §5.5) goes as its latin-1 bytes: httpx encodes str values as ASCII only.
        headers = [(n, v if v.isascii() else v.encode("latin-1")) for n, v in (*call.headers, (REQUEST_ID, request_id))]
        try:
            response = await client.request(call.method, target.base_url + call.path, headers=headers)
        except httpx.TimeoutException:
            raise HarnessError(f"{call} got no answer within {REQUEST_TIMEOUT:g} s (the subject hung)") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise Dropped(f"{call}: the subject closed the connection without answering ({exc!r})") from None
        except httpx.HTTPError as exc:
            raise HarnessError(f"{call} could not reach the subject at {target.base_url}: {exc!r}") from None
        return Exchange(call, response.status_code, Headers(response.headers.multi_items()), response.content, recorder.pop(request_id), response.reason_phrase)

    try:
        if concurrent:
            return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(calls))))
        return [await one(i, c) for i, c in enumerate(calls)]
    finally:
        if owned is not None:
            await owned.aclose()
