"""Sanic subjects: request/response middleware, `on_request`/`on_response` with priorities, blueprints.

Sanic keeps process-global state (see ../shared research: app-name registry, TouchUp, a global
middleware definition counter). Each app here gets a unique name that leaves the registry at
teardown whatever failed before (n/a, a crash, a listener), since a registered app breaks
`Sanic.get_app()` in every later case; `TOUCHUP=False` so several apps can start in one process,
and `AUTO_EXTEND=False` so an installed sanic-ext never changes the verdicts. The socket mode
serves with `create_server` on a pre-bound loopback socket (`port=0` would mean 8000 in Sanic);
the in-process mode drives the ASGI app through httpx after a real lifespan startup.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from types import CodeType
from typing import Any

from sanic import Blueprint, HTTPResponse, Request, Sanic, SanicException
from sanic.compat import Header
from sanic.response import raw, text
from sanic.server.async_server import AsyncioServer
from websockets.exceptions import ConnectionClosed

from ..harness import free_socket, inprocess_transport
from ..outcomes import HarnessError
from ..reference.probes import Recorder, RequestIO, echo_body, handler_phase, reads_body, request_phase, response_phase, websocket_phase, write_streamed
from ..reference.router import PATH_PARAM
from ..reference.scenario import Handler, Probe, Route, Scenario
from .base import CAPABILITIES, ContractError, Framework, Plug, Subject, Target, describe, register_context
from .session import session_api

_names = itertools.count()


def unique_name(prefix: str = "mwc") -> str:
    """A name no other app, blueprint or route in this process has: Sanic keeps a global registry."""
    return f"{prefix}{next(_names)}"

# Sanic logs every handled exception with a traceback; the scenarios raise on purpose.
for _logger in ("sanic.error", "sanic.root", "sanic.server"):
    logging.getLogger(_logger).setLevel(logging.CRITICAL)


def sanic_path(path: str) -> str:
    """`/post/{slug:regex}` (neutral, aiohttp style) → `/post/<slug:regex>` (Sanic style)."""
    return PATH_PARAM.sub(lambda m: f"<{m.group(1)}:{m.group(2)}>" if m.group(2) else f"<{m.group(1)}>", path)


_error_formats: dict[CodeType, str] = {}


class _OnceErrorFormat:
    """Sanic guesses a route's error format by reading and parsing its handler's source file
    (`RouteMixin._determine_error_format`: `inspect.getsource` + `ast.parse`) every time a route
    is added: 70% of building a scenario's app (bench/cases.py). The guess depends on the source
    alone, so it is made once per handler code object; every route still gets the same answer."""

    __slots__ = ()

    def _determine_error_format(self, handler: Callable[..., Any]) -> str:
        code = getattr(handler, "__code__", None)
        if code is None:
            return super()._determine_error_format(handler)  # type: ignore[misc]
        if code not in _error_formats:
            _error_formats[code] = super()._determine_error_format(handler)  # type: ignore[misc]
        return _error_formats[code]


class _App(_OnceErrorFormat, Sanic):
    pass


class _Blueprint(_OnceErrorFormat, Blueprint):
    pass


def new_app() -> Sanic:
    """A Sanic app that can start beside others in this process and ignores an installed sanic-ext."""
    app = _App(unique_name(), configure_logging=False)
    app.config.TOUCHUP = False
    app.config.AUTO_EXTEND = False
    app.config.MOTD = False
    return app


class SanicIO(RequestIO):
    def context(self) -> dict[str, Any]:
        if not hasattr(self.request.ctx, "mwc"):
            self.request.ctx.mwc = {}
        return self.request.ctx.mwc

    def respond(self, status: int, body: str) -> HTTPResponse:
        return text(body, status=status)

    def add_header(self, response: HTTPResponse, name: str, value: str) -> None:
        response.headers.add(name, value)

    def fail(self, status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
        if status is None:
            return RuntimeError("raised because the scenario asked for it")
        return SanicException(f"HTTP {status}", status_code=status, headers=dict(headers))


async def stream(request: Request, handler: Handler, body: bytes, record: Callable[[str], None]) -> HTTPResponse:
    """`body` as a streamed response (`request.respond`, then two `send`s, or trickled): Sanic runs the
    response middleware when the handler calls `respond`, before the headers go out, and cancels the
    handler when the client leaves (`RequestCancelled`)."""
    response = await request.respond(status=handler.status, headers=Header(list(handler.headers)), content_type="application/json")
    await write_streamed(handler, body, record, response.send)
    await response.eof()
    return response


class SanicSocket:
    """The WebSocket endpoint's `Socket` over Sanic's: Sanic accepts the upgrade before the handler runs."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def accept(self) -> None:
        pass

    async def receive(self) -> str | None:
        try:
            message = await self.ws.recv()
        except ConnectionClosed:
            return None
        return message if isinstance(message, str) else None

    async def send(self, text: str) -> None:
        await self.ws.send(text)


register_context(Request, lambda request: SanicIO(request).context())


def route_handler(route: Route, recorder: Recorder, plug: Plug) -> Callable[..., Any]:
    """The scenario's handler for `route`: the echo handler, or a session handler reaching the
    session through the plug's session binding."""
    handler = route.handler
    if handler.websocket:

        async def talk(request: Request, ws: Any, **params: str) -> None:
            await websocket_phase(SanicSocket(ws), recorder.sink(request.headers))

        return talk
    if handler.session is not None:
        from ..reference.session_ops import apply, render

        action, session_of = handler.session, session_api(plug)

        async def handle_session(request: Request, **params: str) -> HTTPResponse:
            io = SanicIO(request)
            session = await apply(action, session_of(request), io.header)
            await handler_phase(handler, io, recorder.sink(request.headers))
            content_type, body = render(action, session)
            return raw(body, status=handler.status, content_type=content_type)

        return handle_session

    async def handle(request: Request, **params: str) -> HTTPResponse:
        io = SanicIO(request)
        await handler_phase(handler, io, recorder.sink(request.headers))
        body = echo_body(params, io.context(), request.body if handler.read_body else None)
        if handler.stream:
            return await stream(request, handler, body, recorder.sink(request.headers))
        response = raw(body, status=handler.status, content_type="application/json")
        for name, value in handler.headers:
            response.headers.add(name, value)
        return response

    return handle


class SanicSubject(Framework):
    """Sanic with `register_middleware(fn, "request"|"response")`; blueprints for route-local chains.

    As a framework for feature subjects it takes, besides Setup/Finish/Guard, a request middleware
    (an async `(request)` function, registered before the scenario's chain, so it runs first).
    A package that also needs a response middleware installs both in a Setup.
    """

    name = "sanic/middleware"
    adapter = "sanic"
    profile = "hooks"
    capabilities = frozenset(CAPABILITIES) - {"priority", "server-store", "background-tasks"}
    modes = ("socket", "inprocess")
    packages: tuple[str, ...] = ("sanic", "sanic-routing")
    description = "Sanic `app.register_middleware` / `Blueprint.middleware` request and response middleware"
    known = {
        **dict.fromkeys(
            ("error.response-phase-raises", "error.response-phase-raises-http", "stream.response-phase-raises"),
            "Sanic logs an exception raised in response middleware and sends the response as it was (sanic#1928), instead of an error response",
        ),
        **dict.fromkeys(
            ("head.get-route-through-a-b-c", "head.streamed-get-route-through-a-b-c"),
            "Sanic routes HEAD only where a route declares it: HEAD on a GET route answers 405 (RFC 9110 §9.1: general-purpose "
            "servers MUST support GET and HEAD); Sanic Extensions adds HEAD routes for it (sanic.dev, Sanic Extensions, "
            "HTTP methods: auto endpoints, AUTO_HEAD)",
        ),
        "stream.inner-layer-replaces-streamed-response": (
            "`request.respond()` runs the response middleware and hands the handler their replacement to stream into "
            "(sanic/request/types.py `Request.respond`: 'Final response being sent (may be different [...] because of middlewares), which can be used to manually send data'): the client gets the replacement's status and header fields with the handler's "
            "streamed body, not the replacement's body"
        ),
    }

    def attach(self, target: Sanic | Blueprint, fn: Callable[..., Any], phase: str, priority: int) -> None:
        target.register_middleware(fn, phase) if isinstance(target, Sanic) else target.middleware(fn, phase)

    def install(self, target: Sanic | Blueprint, probe: Probe, recorder: Recorder) -> None:
        if probe.request is not None:

            async def on_request(request: Request) -> HTTPResponse | None:
                io = SanicIO(request)
                if reads_body(probe):
                    io.loaded = request.body  # Sanic reads a non-streaming route's body before its middleware
                return request_phase(probe, io, recorder.sink(request.headers))

            self.attach(target, on_request, "request", probe.priority)
        if probe.response is not None or probe.convert is not None:

            async def on_response(request: Request, response: HTTPResponse) -> HTTPResponse | None:
                return response_phase(probe, SanicIO(request), recorder.sink(request.headers), response, response.status)

            self.attach(target, on_response, "response", probe.priority)

    def add_layer(self, app: Sanic, layer: Any) -> None:
        if not callable(layer):
            raise ContractError(f"{describe(layer)} is not a Sanic request middleware: give an async (request) function, a Setup, Finish or Guard")
        app.register_middleware(layer, "request")

    def add_route(self, target: Sanic | Blueprint, route: Route, recorder: Recorder, plug: Plug) -> None:
        path = sanic_path(route.path)
        handle = self.guard(plug, route_handler(route, recorder, plug), route.path)
        if route.handler.websocket:
            target.add_websocket_route(handle, path, name=unique_name("w"))
        else:
            target.add_route(handle, path, methods=[route.method], name=unique_name("r"))

    def build(self, app: Sanic, scenario: Scenario, recorder: Recorder, plug: Plug) -> None:
        # The global chain is defined first: Sanic orders app and blueprint middleware by a
        # process-wide definition counter, not by where they are attached.
        self.install_layers(app, plug)
        for probe in scenario.chain:
            self.install(app, probe, recorder)
        for route in scenario.routes:
            self.add_route(app, route, recorder, plug)
        for group in scenario.groups:
            bp = _Blueprint(unique_name(), url_prefix=group.prefix)
            for probe in group.chain:
                self.install(bp, probe, recorder)
            for route in group.routes:
                self.add_route(bp, route, recorder, plug)
            app.blueprint(bp)
        self.finish(app, plug)

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        with released_on_error():
            app = new_app()
            self.build(app, scenario, recorder, plug)
        with warnings.catch_warnings():
            # Packages written for older Sanic or PyJWT warn per request (sanic-jwt passes PyJWT 1's
            # `verify=`); not findings.
            warnings.simplefilter("ignore", DeprecationWarning)
            async with serve_app(app, mode) as target:
                yield target


@contextmanager
def released_on_error() -> Iterator[None]:
    """If the block raises (n/a included), every Sanic app made in it leaves Sanic's registry.

    A registered app outlives its case: `Sanic.get_app()` in a later case then finds two apps
    and answers 500. The block must not await, or another case's new app would be released too.
    """
    before = set(Sanic._app_registry)
    try:
        yield
    except BaseException:
        for name in set(Sanic._app_registry) - before:
            Sanic.unregister_app(Sanic._app_registry[name])
        raise


@asynccontextmanager
async def serve_app(app: Sanic, mode: str = "socket") -> AsyncIterator[Target]:
    """Serve any Sanic app on a loopback socket (or in-process over ASGI).

    Whatever fails (start-up, a listener, serving, shutdown), the app leaves Sanic's registry and
    its socket and connections are closed; the first failure is what propagates.
    """
    try:
        if mode == "inprocess":
            async with _lifespan(app):
                yield Target("http://sanic.test", inprocess_transport(app), app=app)
        else:
            async with _served(app) as port:
                yield Target(f"http://127.0.0.1:{port}")
    finally:
        Sanic.unregister_app(app)


@asynccontextmanager
async def _served(app: Sanic) -> AsyncIterator[int]:
    """`app` listening on a loopback port, with Sanic's server events around it, in Sanic's order."""
    sock = free_socket()
    server: AsyncioServer | None = None
    started = False
    try:
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        if server is None:
            raise HarnessError(f"Sanic did not start {app.name} on {sock.getsockname()}")
        await server.startup()
        await server.before_start()
        started = True  # from here the stop listeners pair with start listeners that ran
        await server.after_start()
        yield sock.getsockname()[1]
    finally:
        # Each step runs even when an earlier one raised (LIFO: the stop listeners, closing, the socket).
        async with AsyncExitStack() as stop:
            stop.callback(sock.close)
            if server is not None:
                if started:
                    stop.push_async_callback(server.after_stop)
                stop.push_async_callback(_close, server)
                if started:
                    stop.push_async_callback(server.before_stop)


async def _close(server: AsyncioServer) -> None:
    """Stop listening and close every connection, idle keep-alive ones included (the shared client
    keeps them pooled), as Sanic's own shutdown ends with."""
    server.close()
    for connection in list(server.connections):
        connection.abort()  # the case is over: a request still in flight is a hung handler's
    await server.wait_closed()


@asynccontextmanager
async def _lifespan(app: Sanic) -> AsyncIterator[None]:
    """Run the ASGI lifespan protocol that httpx's ASGITransport does not send."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    try:
        await inbox.put({"type": "lifespan.startup"})
        reply = await outbox.get()
        if reply["type"] != "lifespan.startup.complete":
            raise HarnessError(f"Sanic lifespan startup failed: {reply.get('message', reply)}")
        try:
            yield
        finally:
            await inbox.put({"type": "lifespan.shutdown"})
            reply = await outbox.get()
            if reply["type"] != "lifespan.shutdown.complete":
                raise HarnessError(f"Sanic lifespan shutdown failed: {reply.get('message', reply)}")
    finally:
        task.cancel()  # a no-op once the lifespan has ended; else it waits for a message that never comes
        await asyncio.gather(task, return_exceptions=True)


class SanicHooks(SanicSubject):
    """Sanic `on_request` / `on_response` with `priority=`."""

    name = "sanic/on-hooks"
    capabilities = frozenset(CAPABILITIES) - {"server-store", "background-tasks"}
    description = "Sanic `@app.on_request` / `@app.on_response` (and blueprint equivalents) with `priority=`"

    def attach(self, target: Sanic | Blueprint, fn: Callable[..., Any], phase: str, priority: int) -> None:
        hook = target.on_request if phase == "request" else target.on_response
        hook(fn, priority=priority)


SUBJECTS: list[type[Subject]] = [SanicSubject, SanicHooks]
