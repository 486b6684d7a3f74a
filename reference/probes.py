"""Probes: what a scenario's neutral middleware does, written once for every framework.

Each adapter wraps its framework's request and response in a small `ProbeIO`, and calls the
phase functions below from a native middleware (an aiohttp `@web.middleware`, a Sanic hook, a
reference `Middleware`). So a probe means the same thing everywhere, and a difference in the
trace is a difference in the framework, never in the probe.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import defaultdict
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import aclosing
from functools import partial
from typing import Any, Protocol, TypeVar

from .http import Headers, HTTPError, Request, Response
from .pipeline import Middleware, Pipeline
from .scenario import (
    ExposeContext,
    Handler,
    Probe,
    Raise,
    ReadBody,
    Respond,
    Rewrite,
    Scenario,
    SetContext,
    SetHeader,
)

REQUEST_ID = "x-mwc-id"  # the header that ties a server-side trace to the request that made it
#: Seconds a background task waits for the client to have the whole response (`background_task`).
BACKGROUND_WAIT = 1.0

R = TypeVar("R")  # a framework's response type

TRANSFORMS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "underscore": lambda s: s.replace("-", "_"),
}


class Recorder:
    """Trace events per request id. One recorder per served app; read after each exchange."""

    def __init__(self) -> None:
        self._events: defaultdict[str, list[str]] = defaultdict(list)
        #: Request id → set once the client has read the whole response (`delivered`).
        self._delivered: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def add(self, request_id: str | None, event: str) -> None:
        self._events[request_id or "-"].append(event)

    def delivered(self, request_id: str) -> None:
        """The harness has read the whole response to this request (a background task waits for it)."""
        self._delivered[request_id].set()

    async def wait_delivered(self, request_id: str | None, timeout: float) -> bool:
        """Whether the client had the whole response to this request within `timeout` seconds."""
        try:
            await asyncio.wait_for(self._delivered[request_id or "-"].wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def pop(self, request_id: str) -> list[str]:
        return self._events.pop(request_id, [])

    def peek(self, request_id: str) -> list[str]:
        """The events so far, left in place (for a request the server may still be working on)."""
        return list(self._events.get(request_id, ()))

    def sink(self, headers: FieldLookup) -> Callable[[str], None]:
        """The `record` callable for the request with these headers (its REQUEST_ID names its trace)."""
        request_id = headers.get(REQUEST_ID)
        return lambda event: self.add(request_id, event)


class FieldLookup(Protocol):
    """Any framework's request headers: a case-insensitive `get`."""

    def get(self, name: str) -> str | None: ...


class ProbeIO(Protocol[R]):
    """The few things a probe does to a framework's request and response."""

    def header(self, name: str) -> str | None: ...
    def ctx_get(self, key: str) -> str | None: ...
    def ctx_set(self, key: str, value: str) -> None: ...
    def rewrite(self, param: str, transform: Callable[[str], str]) -> None: ...
    def respond(self, status: int, body: str) -> R: ...
    def add_header(self, response: R, name: str, value: str) -> None: ...
    def fail(self, status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception: ...
    def body(self) -> bytes: ...


def reads_body(probe: Probe) -> bool:
    """Whether `probe`'s request phase reads the request body: the adapter then reads it first
    (most frameworks read bodies asynchronously) and hands it to the phase through `io.body()`."""
    return isinstance(probe.request, ReadBody)


def halves(body: bytes) -> tuple[bytes, bytes]:
    """The two writes of a streamed body (`Handler.stream`)."""
    half = len(body) // 2
    return body[:half], body[half:]


#: A trickling handler (`Handler.trickle`) goes on writing this many pieces, this many seconds
#: apart, after its first one: long enough for a client to leave in between, short enough that a
#: layer holding the whole response back delays it by half a second only.
TRICKLE_PIECES = 50
TRICKLE_PAUSE = 0.01


async def trickled(record: Callable[[str], None], first: bytes = b"") -> AsyncGenerator[bytes, None]:
    """A trickling handler's stream: `first`, then `TRICKLE_PIECES` spaces (JSON whitespace, so the
    body stays the echo) a pause apart; records `H/` when it ends, however it ends (run to its end,
    closed, or cancelled because the client left). Iterate it under `contextlib.aclosing`, so a
    write that raises ends it at once rather than when it is collected."""
    try:
        if first:
            yield first
        for _ in range(TRICKLE_PIECES):
            await asyncio.sleep(TRICKLE_PAUSE)
            yield b" "
    finally:
        record("H/")


async def write_streamed(handler: Handler, body: bytes, record: Callable[[str], None], write: Callable[[bytes], Awaitable[object]]) -> None:
    """A streamed `body` through a framework's `write`: in the two `halves`, or trickled (`Handler.trickle`)."""
    if not handler.trickle:
        for piece in halves(body):
            await write(piece)
        return
    async with aclosing(trickled(record, body)) as pieces:
        async for piece in pieces:
            await write(piece)


def finished(probe: Probe, record: Callable[[str], None]) -> None:
    """A layer is done with the request, however it ended (`Probe.cleanup`): call it in a `finally`."""
    if probe.cleanup:
        record(f"{probe.name}/")


def body_digest(body: bytes) -> str:
    """What a layer or handler that read `body` echoes: its length and a SHA-256 prefix (a
    body read twice must be the same bytes, and a 100 KB body would bloat the evidence)."""
    return f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()[:16]}"


def request_phase(probe: Probe, io: ProbeIO[R], record: Callable[[str], None]) -> R | None:
    """Run `probe`'s request phase: None to go on, a response to short-circuit; may raise."""
    record(f"{probe.name}>")
    action = probe.request
    if isinstance(action, SetContext):
        io.ctx_set(action.key, (io.header(action.from_header) or "") if action.from_header else action.value)
    elif isinstance(action, Rewrite):
        io.rewrite(action.param, TRANSFORMS[action.transform])
    elif isinstance(action, ReadBody):
        io.ctx_set(action.key, body_digest(io.body()))
    elif isinstance(action, Respond):
        return io.respond(action.status, action.body)
    elif isinstance(action, Raise):
        raise io.fail(action.status)
    return None


def response_phase(probe: Probe, io: ProbeIO[R], record: Callable[[str], None], response: R, status: int) -> R | None:
    """Run `probe`'s response phase on a response of `status`: None, or a replacement; may raise."""
    record(f"<{probe.name}:{status}")
    if probe.convert is not None and status >= 400:
        return io.respond(probe.convert, "")
    action = probe.response
    if isinstance(action, SetHeader):
        io.add_header(response, action.name, action.value)
    elif isinstance(action, ExposeContext):
        io.add_header(response, f"x-ctx-{action.key}", io.ctx_get(action.key) or "-")
    elif isinstance(action, Respond):
        return io.respond(action.status, action.body)
    elif isinstance(action, Raise):
        raise io.fail(action.status)
    return None


def error_phase(probe: Probe, io: ProbeIO[R], record: Callable[[str], None], status: int) -> R | None:
    """Onion only: a converting probe answers for an exception of `status` raised inside it."""
    if probe.convert is None:
        return None
    record(f"<{probe.name}:!{status}")
    return io.respond(probe.convert, "")


def echo_body(params: Mapping[str, Any], ctx: Mapping[str, Any], body: bytes | None = None) -> bytes:
    """The handler's JSON body: the route parameters and request context it saw, and the
    `body_digest` of the request body when it read it (`Handler.read_body`)."""
    echoed: dict[str, Any] = {"ctx": dict(ctx), "params": dict(params)}
    if body is not None:
        echoed["body"] = body_digest(body)
    return json.dumps(echoed, sort_keys=True).encode()


async def handler_phase(handler: Handler, io: ProbeIO[R], record: Callable[[str], None]) -> None:
    """What every adapter's handler does before answering: record `H`, wait, raise if told to."""
    record("H")
    if handler.delay:
        await asyncio.sleep(handler.delay)
    if handler.raise_status is not None or handler.crash:
        # The handler's header fields ride on the HTTP error it raises, as an inner layer's
        # Set-Cookie does on aiohttp-session's re-raised HTTPException.
        raise io.fail(handler.raise_status, handler.headers)


async def background_task(recorder: Recorder, headers: FieldLookup) -> None:
    """A handler's background task (`Handler.background`): it runs after the response is sent, so
    the client has the response while it runs. It records `T` once the client has it, or `T:held`
    when it waited `BACKGROUND_WAIT` seconds in vain: a layer held the response back until the task
    ended (the response then reaches the client after it)."""
    request_id = headers.get(REQUEST_ID)
    recorder.add(request_id, "T" if await recorder.wait_delivered(request_id, BACKGROUND_WAIT) else "T:held")


class Socket(Protocol):
    """The few things a WebSocket endpoint does with its framework's socket."""

    async def accept(self) -> None: ...
    async def receive(self) -> str | None:
        """The next text message, or None once the client closed."""
    async def send(self, text: str) -> None: ...


async def websocket_phase(socket: Socket, record: Callable[[str], None]) -> list[str]:
    """What every adapter's WebSocket endpoint does (`Handler.websocket`): record `H`, accept the
    upgrade, send each text message back until the client closes; the messages sent."""
    record("H")
    await socket.accept()
    sent = []
    while (text := await socket.receive()) is not None:
        await socket.send(text)
        sent.append(text)
    return sent


def echoed(sent: list[str]) -> bytes:
    """What a WebSocket exchange shows as its body: the replies, one per line."""
    return "\n".join(sent).encode()


class Scripted:
    """A `Socket` for the reference's prediction: the client sends `messages`, then closes."""

    def __init__(self, messages: tuple[str, ...]) -> None:
        self.pending = list(messages)

    async def accept(self) -> None:
        pass

    async def receive(self) -> str | None:
        return self.pending.pop(0) if self.pending else None

    async def send(self, text: str) -> None:
        pass


class RequestIO:
    """The part of `ProbeIO` every framework spells alike: `request.headers`, a context dict,
    `request.match_info`. Adapters subclass it and say where their context dict lives."""

    def __init__(self, request: Any) -> None:
        self.request = request
        #: The request body, read by the adapter before a phase that reads it (`reads_body`).
        self.loaded: bytes | None = None

    def context(self) -> dict[str, Any]:
        raise NotImplementedError

    def body(self) -> bytes:
        if self.loaded is None:
            raise RuntimeError("the adapter did not read the request body before a phase that reads it (see reads_body)")
        return self.loaded

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    def ctx_get(self, key: str) -> str | None:
        return self.context().get(key)

    def ctx_set(self, key: str, value: str) -> None:
        self.context()[key] = value

    def rewrite(self, param: str, transform: Callable[[str], str]) -> None:
        self.request.match_info[param] = transform(self.request.match_info[param])


class LoadingIO(ProbeIO[R], Protocol[R]):
    """A `ProbeIO` the adapter hands the request body it read (`RequestIO.loaded`)."""

    loaded: bytes | None


async def around(
    probe: Probe,
    io: LoadingIO[R],
    record: Callable[[str], None],
    read_body: Callable[[], Awaitable[bytes]],
    call_next: Callable[[], Awaitable[R]],
    status_of: Callable[[R], int],
    raised_status: Callable[[Exception], int],
) -> R:
    """`probe` as a framework middleware around the next layer (aiohttp's, Starlette's `dispatch`):
    its request phase, the call, its error or response phase, and its cleanup however it ended."""
    try:
        if reads_body(probe):
            io.loaded = await read_body()
        if probe.request is not None:
            early = request_phase(probe, io, record)
            if early is not None:
                return early
        try:
            response = await call_next()
        except Exception as exc:
            converted = error_phase(probe, io, record, raised_status(exc))
            if converted is None:
                raise
            return converted
        if probe.response is None and probe.convert is None:
            return response
        return response_phase(probe, io, record, response, status_of(response)) or response
    finally:
        finished(probe, record)


class ReferenceIO(RequestIO):
    def context(self) -> dict[str, Any]:
        return self.request.ctx

    def body(self) -> bytes:
        return self.request.body

    def respond(self, status: int, body: str) -> Response:
        return Response(status, Headers(), body.encode())

    def add_header(self, response: Response, name: str, value: str) -> None:
        response.headers.add(name, value)

    def fail(self, status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
        return HTTPError(status, Headers(headers)) if status is not None else RuntimeError("raised because the scenario asked for it")


class ProbeMiddleware(Middleware):
    """A scenario probe as a reference `Middleware`."""

    def __init__(self, probe: Probe, recorder: Recorder) -> None:
        self.probe, self.recorder = probe, recorder
        self.name, self.priority = probe.name, probe.priority

    def _record(self, request: Request) -> Callable[[str], None]:
        return self.recorder.sink(request.headers)

    async def on_request(self, request: Request) -> Response | None:
        if self.probe.request is None:
            return None
        return request_phase(self.probe, ReferenceIO(request), self._record(request))

    async def on_response(self, request: Request, response: Response) -> Response | None:
        if self.probe.response is None and self.probe.convert is None:
            return None
        return response_phase(self.probe, ReferenceIO(request), self._record(request), response, response.status)

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        status = error.status if isinstance(error, HTTPError) else 500
        return error_phase(self.probe, ReferenceIO(request), self._record(request), status)

    def on_finish(self, request: Request) -> None:
        finished(self.probe, self._record(request))


#: Where a served WebSocket upgrade request carries its socket (`Request.state`).
SOCKET = "websocket"


def reference_endpoint(handler: Handler, recorder: Recorder) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        if handler.websocket:
            socket = request.state.get(SOCKET)
            if socket is None:
                raise HTTPError(426, Headers([("Upgrade", "websocket")]))  # RFC 9110 §15.5.22: a plain GET to a WebSocket route
            # The handler returns once the client closed: response phases that run then see the 101.
            return Response(101, Headers(), echoed(await websocket_phase(socket, recorder.sink(request.headers))))
        await handler_phase(handler, ReferenceIO(request), recorder.sink(request.headers))
        body = echo_body(request.match_info, request.ctx, request.body if handler.read_body else None)
        more = trickled(recorder.sink(request.headers)) if handler.stream and handler.trickle else None
        background = partial(background_task, recorder, request.headers) if handler.background else None
        return Response(
            handler.status, Headers([("content-type", "application/json"), *handler.headers]), body, streamed=handler.stream, more=more, background=background
        )

    return endpoint


def build_pipeline(
    scenario: Scenario, profile: str, recorder: Recorder, pipeline_class: type[Pipeline] = Pipeline
) -> Pipeline:
    """The reference app for `scenario`. `pipeline_class` lets the self-tests plant bugs."""

    def layers(probes: tuple[Probe, ...]) -> list[Middleware]:
        return [ProbeMiddleware(p, recorder) for p in probes]

    app = pipeline_class(profile, layers(scenario.chain))
    for route in scenario.routes:
        app.route(route.method, route.path, reference_endpoint(route.handler, recorder))
    for group in scenario.groups:
        for route in group.routes:
            app.route(route.method, group.prefix + route.path, reference_endpoint(route.handler, recorder), layers(group.chain))
    return app
