"""Drives subjects: one serving event loop per process on its own thread, a deadline per case.

Cases are plain (sync) pytest functions that call `run()`, so the suites work the same in a
user's CI whatever their pytest-asyncio mode is. The case's coroutine runs on a `Lane` (a thread
with its own loop, see `mwconform.lane`) while the calling thread keeps the deadline: blocking
code in a subject cannot hold it off. The loop and the socket client are created once per lane and
reused, because creating an `httpx.AsyncClient` costs a TLS context (~20 ms).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator, MutableMapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import backstop
from .adapters.base import Target
from .lane import PREFIX, Lane, here
from .outcomes import HarnessError
from .reference.http import Headers
from .reference.probes import REQUEST_ID, Recorder
from .reference.scenario import Call, Scenario

if TYPE_CHECKING:
    from .adapters.base import Subject

T = TypeVar("T")

DEFAULT_DEADLINE = 10.0  # seconds a whole case may take, servers included
REQUEST_TIMEOUT = 5.0  # seconds one request may take before the subject counts as hung
DEFAULT_MAX_BODY = 1 << 20  # bytes of one response body read before the case is an error
_PING = 0.2  # seconds a loop that is not blocked takes to run a callback, at most
_GRACE = 0.7  # seconds a cancelled case gets to tear its server down (deadline + _PING + _GRACE < +1 s)
_REAP = 0.3  # seconds the tasks a case left behind get to end once cancelled
_THREAD_END = 0.1  # seconds a thread the subject started gets to end after its case
_OVERRUN = 2 * _PING + 2 * _GRACE + 0.5  # seconds handling an overrun may take, at most, with margin

#: Bytes of one response body `send` reads at most (the plugin sets it from --mwc-max-body).
max_body = DEFAULT_MAX_BODY

_lane: Lane | None = None
#: The subject whose case is running (the plugin sets it): blocked subjects are remembered by name.
in_play: str | None = None
#: Subject name → why it is not served again in this run.
_quarantine: dict[str, str] = {}
#: Non-daemon threads that subjects started and left running, with the subject's name.
leaked_threads: list[tuple[str, threading.Thread]] = []
_exit_status: int | None = None


def _forget_lane() -> None:
    """In a forked worker: the parent's lane thread does not exist here."""
    global _lane
    _lane = None


os.register_at_fork(after_in_child=_forget_lane)


def _no_cookies() -> CookieJar:
    """A jar that accepts no cookie: every case sends exactly the Cookie headers it means to, and
    a cookie one subject sets never reaches another (cookies are per host, not per port)."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))


def lane() -> Lane:
    """The lane cases run on now (a new one after the last was given up)."""
    global _lane
    if _lane is None:
        _lane = Lane()
    return _lane


def loop() -> asyncio.AbstractEventLoop:
    """The event loop cases run on now."""
    return lane().loop


def quarantined(subject: str) -> str | None:
    """Why `subject` is not served again in this run, or None."""
    return _quarantine.get(subject)


def _give_up(current: Lane, reason: str | None) -> None:
    """Retire `current` (the next case gets a fresh lane) and, with a reason, quarantine the subject."""
    global _lane
    if _lane is current:
        _lane = None
    current.retire()
    if reason and in_play is not None:
        _quarantine.setdefault(in_play, reason)


def run(coro: Coroutine[Any, Any, T], deadline: float = DEFAULT_DEADLINE, what: str = "running the case") -> T:
    """Run `coro` on the lane; past `deadline` seconds cancel it and raise HarnessError.

    Whatever the subject does, this returns or raises within `deadline` + 1 s. Tasks the case left
    running are cancelled afterwards, so no case leaks work into the next one; a task that ignores
    cancellation, a loop the subject blocked and a non-daemon thread it left running are errors
    that say so.
    """
    current = lane()
    who = in_play or "the subject"
    threads_before = set(threading.enumerate())
    ended = threading.Event()

    async def guarded() -> T:
        current.current, current.escaped = asyncio.current_task(), None
        before = asyncio.all_tasks()
        try:
            return await coro
        except asyncio.CancelledError:
            if current.escaped is not None:
                raise _escaped(who, current.escaped) from None
            raise
        except (SystemExit, KeyboardInterrupt) as exc:
            raise _escaped(who, exc) from None
        finally:
            current.current = None
            leftovers = asyncio.all_tasks() - before
            for leftover in leftovers:
                leftover.cancel()
            if leftovers:
                await asyncio.wait(leftovers, timeout=_REAP)
            immortal = [t for t in leftovers if not t.done()]
            if immortal:
                _give_up(current, None)  # the retired loop never runs them again
                raise HarnessError(f"{who} left {len(immortal)} task(s) running that ignore cancellation ({_names(immortal)}) after {what}")
            ended.set()

    backstop.promise(deadline, deadline)
    future = asyncio.run_coroutine_threadsafe(guarded(), current.loop)
    try:
        result = future.result(deadline)
    except concurrent.futures.TimeoutError:
        raise _overrun(current, who, deadline, what, ended) from None
    except concurrent.futures.CancelledError:
        raise HarnessError(f"the case was cut off while {what}") from None
    finally:
        if not ended.is_set() and not future.done():
            future.cancel()  # interrupted (Ctrl-C, SIGTERM): let the server close before unwinding
            ended.wait(_GRACE)
        leaked = _leaks(who, threads_before)
        backstop.clear()
    if leaked:
        raise HarnessError(leaked)
    return result


def _overrun(current: Lane, who: str, deadline: float, what: str, ended: threading.Event) -> HarnessError:
    """The error for a case past its deadline, after cancelling it (or giving up on its lane)."""
    backstop.promise(_OVERRUN)  # this thread runs, so the interpreter is not blocked: no backstop yet
    blocked = f"{who} blocked its event loop (synchronous code: time.sleep, a busy loop, blocking I/O, a serve() that never returns)"
    if not current.responsive(_PING):
        _give_up(current, f"{blocked} in an earlier case; its remaining cases are not run")
        return HarnessError(f"{blocked}: deadline of {deadline:g} s passed while {what}")
    if current.current is not None:
        current.loop.call_soon_threadsafe(current.current.cancel)
    if not ended.wait(_GRACE):
        if not current.responsive(_PING):
            _give_up(current, f"{blocked} in an earlier case; its remaining cases are not run")
            return HarnessError(f"{blocked} while being cancelled: deadline of {deadline:g} s passed while {what}")
        _give_up(current, None)
        return HarnessError(f"deadline of {deadline:g} s passed while {what}, and the case ignored cancellation for {_GRACE:g} s")
    return HarnessError(f"deadline of {deadline:g} s passed while {what}")


def _escaped(who: str, exc: BaseException) -> HarnessError:
    return HarnessError(f"{who} raised {type(exc).__name__}({', '.join(map(repr, exc.args))}) inside the event loop; the run goes on without it")


def _names(tasks: Iterable[asyncio.Task[Any]]) -> str:
    return ", ".join(sorted(getattr(t.get_coro(), "__qualname__", t.get_name()) for t in tasks))


def _leaks(who: str, before: set[threading.Thread]) -> str | None:
    """What is wrong when the case left a non-daemon thread running (it would keep the process alive)."""
    fresh = [t for t in threading.enumerate() if t not in before and not t.daemon and not t.name.startswith(PREFIX)]
    for thread in fresh:
        thread.join(_THREAD_END)
    alive = [t for t in fresh if t.is_alive()]
    if not alive:
        return None
    leaked_threads.extend((who, t) for t in alive)
    return f"{who} left {len(alive)} non-daemon thread(s) running ({', '.join(t.name for t in alive)}); the run exits without waiting for them"


def exit_despite_leaked_threads(status: int) -> None:
    """If subjects left non-daemon threads running, end the process with `status` without joining them.

    Python joins every non-daemon thread before it exits; a subject's endless one would hang the
    run after its results were written. The exit happens where threads would be joined, after the
    `atexit` hooks (the private Redis is stopped as usual).
    """
    global _exit_status
    if not any(t.is_alive() for _, t in leaked_threads):
        return
    first = _exit_status is None
    _exit_status = status
    if first:
        # Runs before the interpreter joins non-daemon threads, which a leaked one would block.
        threading._register_atexit(_exit_now)  # type: ignore[attr-defined]


def _exit_now() -> None:
    import atexit

    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(_exit_status or 0)


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


def _socket_client() -> httpx.AsyncClient | None:
    """The calling lane's client (connections belong to one loop); None off a lane."""
    current = here()
    if current is None:
        return None
    client: httpx.AsyncClient | None = current.state.get("client")
    if client is None:
        client = current.state["client"] = _client()
        current.cleanups.append(client.aclose)
    return client


def _client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    # verify=False: loopback plain HTTP only, and it skips loading the CA bundle.
    return httpx.AsyncClient(transport=transport, timeout=REQUEST_TIMEOUT, trust_env=False, verify=False, cookies=_no_cookies())


@asynccontextmanager
async def serving(subject: Subject, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
    """`subject.serve(...)`, with a failure to build, start or tear down the app reported as an error.

    A crash while building or tearing down is the adapter's (or the subject's wiring), never a
    verdict on a requirement, so it becomes a one-line HarnessError naming the subject. A subject
    that blocked its event loop earlier in the run is not served again (see `run`).
    """
    problem = quarantined(subject.name)
    if problem:
        raise HarnessError(problem)
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
        owned = client = _client(target.transport)

    async def one(index: int, call: Call) -> Exchange:
        request_id = f"r{index}"
        # obs-text (RFC 9110 §5.5) goes as its latin-1 bytes: httpx encodes str values as ASCII only.
        headers = [(n, v if v.isascii() else v.encode("latin-1")) for n, v in (*call.headers, (REQUEST_ID, request_id))]
        if call.messages is not None:
            status, fields, body = await upgrade(target, call, headers)
            return Exchange(call, status, fields, body, recorder.pop(request_id))
        with _blamed(call, target):
            async with client.stream(call.method, target.base_url + call.path, headers=headers, content=_content(call)) as response:
                body = await _capped(response, call)
        recorder.delivered(request_id)
        return Exchange(call, response.status_code, Headers(response.headers.multi_items()), body, recorder.pop(request_id), response.reason_phrase)

    try:
        if concurrent:
            return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(calls))))
        return [await one(i, c) for i, c in enumerate(calls)]
    finally:
        if owned is not None:
            await owned.aclose()


@contextmanager
def _blamed(call: Call, target: Target) -> Iterator[None]:
    """httpx's errors while `call` is exchanged, as the harness blames them: a hang, a dropped connection, no server."""
    try:
        yield
    except httpx.TimeoutException:
        raise HarnessError(f"{call} got no answer within {REQUEST_TIMEOUT:g} s (the subject hung)") from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise Dropped(f"{call}: the subject closed the connection without answering ({exc!r})") from None
    except httpx.HTTPError as exc:
        raise HarnessError(f"{call} could not reach the subject at {target.base_url}: {exc!r}") from None
async def upgrade(target: Target, call: Call, headers: list[tuple[str, Any]]) -> tuple[int, Headers, bytes]:
    """A WebSocket opening handshake (RFC 6455 §4.1) through httpx-ws, then `call.messages`, one
    reply read to each: (101, the handshake's header fields, the replies one per line) once the
    upgrade is accepted, else the refusal's status, header fields and (in-process) body.

    In-process the app is reached through httpx-ws's ASGI transport. A close before the accept is
    the 403 an ASGI server sends for it (ASGI spec, WebSocket Close: "the server must close the
    connection with a HTTP 403 error code").
    """
    from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, WebSocketUpgradeError, aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    replies: list[str] = []
    accepted: httpx.Headers | None = None
    violations: list[str] = []
    answer: tuple[int, Headers, bytes] | None = None
    problem = ""
    # Errors are decided inside and raised outside the stack: raised inside, the transport's task
    # group would wrap them in an ExceptionGroup.
    async with AsyncExitStack() as stack:
        client: httpx.AsyncClient | None
        if target.app is not None:
            app = _as_asgi_server(target.app, violations)
            transport = await stack.enter_async_context(ASGIWebSocketTransport(app=app, initial_receive_timeout=REQUEST_TIMEOUT))
            client = await stack.enter_async_context(_client(transport))
        else:  # over the socket, past any transport that reads whole HTTP bodies (the ASGI guard's)
            client = _socket_client() or await stack.enter_async_context(_client())
        try:
            ws: AsyncWebSocketSession
            async with aconnect_ws(target.base_url + call.path, client, headers=httpx.Headers(headers), keepalive_ping_interval_seconds=None) as ws:
                accepted = ws.response.headers if ws.response is not None else httpx.Headers()
                # Caught in here: past the session's task group, an error comes wrapped in an ExceptionGroup.
                try:
                    for message in call.messages or ():
                        await ws.send_text(message)
                        replies.append(await ws.receive_text(timeout=REQUEST_TIMEOUT))
                except TimeoutError:
                    problem = f"{call} got no reply within {REQUEST_TIMEOUT:g} s (the subject hung)"
                except WebSocketDisconnect:
                    pass  # the server closed the session: the replies so far are the answer
        except WebSocketUpgradeError as refused:
            answer = refused.response.status_code, Headers(refused.response.headers.multi_items()), _read_already(refused.response)
        except WebSocketDisconnect as closed:
            if accepted is None:  # an app that raised before accepting gets a 500, as from uvicorn
                answer = 500 if closed.code == 1011 else 403, Headers(), b""
        except (TimeoutError, httpx.TimeoutException):
            problem = f"{call} got no reply within {REQUEST_TIMEOUT:g} s (the subject hung)"
        except httpx.HTTPError as exc:
            problem = f"{call} could not reach the subject at {target.base_url}: {exc!r}"
    guard = getattr(target.transport, "guard", None)  # over a socket, the ASGI protocol check of `serve_asgi`
    found = guard.violations.pop(dict(headers).get(REQUEST_ID, "-"), None) if guard is not None else None
    if found is not None:
        violations.append(found[0])
    if violations:
        raise HarnessError(f"{call}: the ASGI app {violations[0]}")
    if problem:
        raise HarnessError(problem)
    return answer or (101, Headers((accepted or httpx.Headers()).multi_items()), "\n".join(replies).encode())


def _read_already(response: httpx.Response) -> bytes:
    """A refused upgrade's body where it was read: over a socket httpx-ws closes the stream unread as it raises."""
    try:
        return response.content
    except httpx.ResponseNotRead:
        return b""


#: What an app may send on a `websocket` scope (ASGI spec, WebSocket; the Denial Response extension).
WEBSOCKET_SENDS = frozenset({"websocket.accept", "websocket.send", "websocket.close", "websocket.http.response.start", "websocket.http.response.body"})


def websocket_violation(message: Any) -> str | None:
    """What is wrong with `message` sent by an app on a `websocket` scope, or None."""
    if message["type"] in WEBSOCKET_SENDS:
        return None
    return f"sent {message['type']} on a websocket scope (ASGI allows only {', '.join(sorted(WEBSOCKET_SENDS))})"


def _as_asgi_server(app: Callable[..., Awaitable[None]], violations: list[str]) -> Callable[..., Awaitable[None]]:
    """`app` as an ASGI server runs it, under httpx-ws's ASGI transport: given the WebSocket scope
    keys that transport leaves out (`asgi`, which Sanic reads; the Denial Response extension, which
    it implements), and refused a message ASGI does not allow on a `websocket` scope, as uvicorn
    refuses it (its answer would be a made-up 500); the violation is kept in `violations`."""

    async def served(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        scope.setdefault("asgi", {"version": "3.0", "spec_version": "2.4"})
        scope.setdefault("http_version", "1.1")
        scope.setdefault("extensions", {}).setdefault("websocket.http.response", {})

        async def checked(message: Any) -> None:
            broken = websocket_violation(message)
            if broken is not None:
                violations.append(broken)
                raise RuntimeError(f"ASGI protocol violation: the app {broken}")
            await send(message)

        await app(scope, receive, checked)

    return served


def _content(call: Call) -> bytes | AsyncIterator[bytes] | None:
    """The call's body as httpx sends it: bytes with a Content-Length, pieces chunked, one per write."""
    if isinstance(call.body, bytes):
        return call.body or None
    pieces = call.body

    async def chunked() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return chunked()


async def _capped(response: httpx.Response, call: Call) -> bytes:
    """The body, read up to `max_body` bytes: a subject's endless or huge body is an error, not an OOM."""
    return await read_capped(response.aiter_bytes(), str(call))


class BodyTooLarge(HarnessError):
    """A response body passed `max_body` bytes; the rest was not read."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: the response body passed {max_body} bytes (the limit, --mwc-max-body); the rest was not read")


async def read_capped(chunks: AsyncIterator[bytes], what: str) -> bytes:
    """`chunks` joined, or BodyTooLarge as soon as they pass `max_body` bytes (`what`: the request, for the reason)."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > max_body:
            raise BodyTooLarge(what)
    return bytes(body)


def inprocess_transport(app: Callable[..., Awaitable[None]]) -> httpx.ASGITransport:
    """httpx's in-process ASGI transport for `app`, with bodies capped at `max_body` as they are sent.

    `ASGITransport` keeps every body chunk the app sends until the app returns, so an endless body
    would fill memory before the harness reads a byte. Past the cap the response ends there (one
    byte over, so the harness's read says so) and each further send raises in the app.
    """

    async def capped(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        sent = 0

        async def counted(message: Any) -> None:
            nonlocal sent
            if message["type"] != "http.response.body":
                await send(message)
                return
            if sent > max_body:
                raise BodyTooLarge(f"{scope['method']} {scope['path']}")
            body = message.get("body", b"")
            if sent + len(body) <= max_body:
                sent += len(body)
                await send(message)
                return
            body = body[: max_body + 1 - sent]
            sent += len(body)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            raise BodyTooLarge(f"{scope['method']} {scope['path']}")

        await app(scope, receive, counted)

    return httpx.ASGITransport(app=capped, raise_app_exceptions=False)


async def leave_after_first_piece(target: Target, call: Call, request_id: str) -> tuple[int, Headers, bytes]:
    """Send `call` to the socket `target` on a connection of its own, read the status, the header
    fields and the first piece of the body, then close the connection: a client that leaves
    mid-response. An in-process transport hands the client nothing before the app has ended, so
    this needs the socket (`target.base_url`)."""
    async with _client() as client:  # a client of its own: the shared one would pool the connection
        with _blamed(call, target):
            async with client.stream(call.method, target.base_url + call.path, headers=[*call.headers, (REQUEST_ID, request_id)]) as response:
                first = b""
                async for first in response.aiter_raw():
                    if first:
                        break
                # Leaving the block unread closes the connection (httpcore does not pool it).
                return response.status_code, Headers(response.headers.multi_items()), first
