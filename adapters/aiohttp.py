"""aiohttp subjects: native `@web.middleware` chains, route-local chains, old-style factories.

Every subject serves a real `web.Application` through `AppRunner` on a loopback socket. To grade
your own way of wiring middleware into aiohttp, subclass `AiohttpSubject` and override
`middleware()` (how one probe becomes a middleware) or `add_group()` (how a route-local chain is
attached). `AiohttpSubject` is also the `aiohttp` framework of feature subjects
(`adapters/features.py`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from aiohttp import WSMsgType, web

from ..harness import free_socket
from ..reference.probes import (
    Recorder,
    RequestIO,
    around,
    echo_body,
    handler_phase,
    websocket_phase,
    write_streamed,
)
from ..reference.scenario import Group, Handler, Probe, Route, Scenario
from .base import CAPABILITIES, ContractError, Framework, Plug, Subject, Target, describe, register_context
from .session import session_api

Middleware = Callable[..., Any]

logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # scenarios raise on purpose

# A typed key where this aiohttp has them (3.12+), so no NotAppKeyWarning is emitted.
_CTX: Any = web.RequestKey("mwc_ctx", dict) if hasattr(web, "RequestKey") else "mwc_ctx"


@cache
def _http_error(status: int) -> type[web.HTTPException]:
    """An `HTTPException` class for any status (aiohttp has one class per status, not a factory)."""
    return type(f"HTTP{status}", (web.HTTPError if status >= 400 else web.HTTPException,), {"status_code": status})


class AiohttpIO(RequestIO):
    def context(self) -> dict[str, Any]:
        return self.request.setdefault(_CTX, {})

    def respond(self, status: int, body: str) -> web.Response:
        return web.Response(status=status, text=body)

    def add_header(self, response: web.StreamResponse, name: str, value: str) -> None:
        response.headers.add(name, value)

    def fail(self, status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
        return _http_error(status)(headers=list(headers)) if status is not None else RuntimeError("raised because the scenario asked for it")


register_context(web.BaseRequest, lambda request: AiohttpIO(request).context())


def probe_middleware(probe: Probe, recorder: Recorder) -> Middleware:
    """One probe as a new-style aiohttp middleware."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        return await around(
            probe,
            AiohttpIO(request),
            recorder.sink(request.headers),
            request.read,  # aiohttp keeps the bytes read, for the handler too
            lambda: handler(request),
            lambda response: response.status,
            lambda exc: exc.status if isinstance(exc, web.HTTPException) else 500,
        )

    middleware.__name__ = probe.name
    return middleware


def route_handler(route: Route, recorder: Recorder, plug: Plug) -> Callable[[web.Request], Any]:
    """The scenario's handler for `route`: the echo handler, or a session handler reaching the
    session through the plug's session binding."""
    handler = route.handler
    if handler.websocket:

        async def talk(request: web.Request) -> web.StreamResponse:
            socket = AiohttpSocket(request)
            await websocket_phase(socket, recorder.sink(request.headers))
            return socket.response  # returned once the session is over: response phases see its 101

        return talk
    if handler.session is not None:
        from ..reference.session_ops import apply, render

        action, session_of = handler.session, session_api(plug)

        async def handle_session(request: web.Request) -> web.Response:
            io = AiohttpIO(request)
            session = await apply(action, session_of(request), io.header)
            await handler_phase(handler, io, recorder.sink(request.headers))
            content_type, body = render(action, session)
            return web.Response(status=handler.status, body=body, content_type=content_type)

        return handle_session

    async def handle(request: web.Request) -> web.StreamResponse:
        io = AiohttpIO(request)
        await handler_phase(handler, io, recorder.sink(request.headers))
        body = echo_body(request.match_info, io.context(), await request.read() if handler.read_body else None)
        if handler.stream:
            return await stream(request, handler, body, recorder.sink(request.headers))
        response = web.Response(status=handler.status, body=body, content_type="application/json")
        for name, value in handler.headers:
            response.headers.add(name, value)
        return response

    return handle


class AiohttpSocket:
    """The WebSocket endpoint's `Socket` over aiohttp's `WebSocketResponse`."""

    def __init__(self, request: web.Request) -> None:
        self.request, self.response = request, web.WebSocketResponse()

    async def accept(self) -> None:
        await self.response.prepare(self.request)

    async def receive(self) -> str | None:
        message = await self.response.receive()
        return str(message.data) if message.type == WSMsgType.TEXT else None

    async def send(self, text: str) -> None:
        await self.response.send_str(text)


async def stream(request: web.Request, handler: Handler, body: bytes, record: Callable[[str], None]) -> web.StreamResponse:
    """`body` as a streamed response: prepared (headers sent) in the handler, written in two chunks
    (or trickled: a write to a client that left raises, aiohttp docs, Peer disconnection)."""
    response = web.StreamResponse(status=handler.status, headers=[("Content-Type", "application/json"), *handler.headers])
    response.enable_chunked_encoding()
    await response.prepare(request)
    await write_streamed(handler, body, record, response.write)
    await response.write_eof()
    return response


class AiohttpSubject(Framework):
    """aiohttp with new-style middleware; route-local chains as sub-applications.

    As a framework for feature subjects it takes, besides Setup/Finish/Guard, any aiohttp
    middleware (a `@web.middleware` function, or an old-style `(app, handler)` factory): the
    first layer given is the outermost, before the scenario's chain.
    """

    name = "aiohttp/native"
    adapter = "aiohttp"
    profile = "onion"
    capabilities = frozenset(CAPABILITIES) - {"priority", "server-store", "stream-headers", "background-tasks"}
    packages: tuple[str, ...] = ("aiohttp",)
    description = "aiohttp `@web.middleware` chain; route-local chains as sub-applications (`add_subapp`)"
    known = {
        **dict.fromkeys(
            ("route.404-under-group-prefix", "route.405-under-group-prefix"),
            "a sub-application owns its whole prefix, so its middleware also runs for its 404 and 405 answers "
            "(aiohttp docs, Nested applications)",
        ),
    }

    def middleware(self, probe: Probe, recorder: Recorder) -> Middleware:
        return probe_middleware(probe, recorder)

    def application(self) -> web.Application:
        return web.Application()

    def add_layer(self, app: web.Application, layer: Any) -> None:
        if not callable(layer):
            raise ContractError(f"{describe(layer)} is not an aiohttp middleware: give an async (request, handler) function, a Setup, Finish or Guard")
        app.middlewares.append(layer)

    def add_route(self, app: web.Application, route: Route, recorder: Recorder, plug: Plug) -> None:
        handler = self.guard(plug, route_handler(route, recorder, plug), route.path)
        if route.method == "GET":  # as `@routes.get` and `add_get` do: HEAD too (allow_head=True, aiohttp's default)
            app.router.add_get(route.path, handler)
        else:
            app.router.add_route(route.method, route.path, handler)

    def add_group(self, app: web.Application, group: Group, recorder: Recorder, plug: Plug) -> None:
        sub = web.Application(middlewares=[self.middleware(p, recorder) for p in group.chain])
        for route in group.routes:
            self.add_route(sub, route, recorder, plug)
        app.add_subapp(group.prefix, sub)

    def build(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> web.Application:
        app = self.application()
        self.install_layers(app, plug)
        app.middlewares.extend(self.middleware(p, recorder) for p in scenario.chain)
        for route in scenario.routes:
            self.add_route(app, route, recorder, plug)
        for group in scenario.groups:
            self.add_group(app, group, recorder, plug)
        self.finish(app, plug)
        return app

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        with warnings.catch_warnings():
            # Some subjects use deprecated-but-working APIs on purpose (old-style factories, the
            # router= argument, packages keying requests with plain strings); aiohttp warns at
            # build, freeze and per request. Not findings.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", getattr(web, "NotAppKeyWarning", DeprecationWarning))
            async with serve_app(self.build(scenario, recorder, plug)) as target:
                yield target


@asynccontextmanager
async def serve_app(app: web.Application) -> AsyncIterator[Target]:
    """Serve any aiohttp app on a loopback socket through AppRunner; clean everything up after."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    sock = free_socket()
    try:
        await web.SockSite(runner, sock).start()
        yield Target(f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        await runner.cleanup()
        sock.close()


class AiohttpRouteMiddleware(AiohttpSubject):
    """Route-local chains through aiohttp-route-middleware's `UrlDispatcherEx` (seed 003)."""

    name = "aiohttp/route-middleware"
    packages: tuple[str, ...] = ("aiohttp", "aiohttp-route-middleware")
    description = "aiohttp `@web.middleware` chain; route-local chains with aiohttp-route-middleware `UrlDispatcherEx`"
    known = {}

    def application(self) -> web.Application:
        from aiohttp_route_middleware import UrlDispatcherEx

        return web.Application(router=UrlDispatcherEx())

    def add_group(self, app: web.Application, group: Group, recorder: Recorder, plug: Plug) -> None:
        chain = [self.middleware(p, recorder) for p in group.chain]
        for route in group.routes:
            path = group.prefix + route.path
            router: Any = app.router  # UrlDispatcherEx takes the route's middleware before its handler
            router.add_route(route.method, path, *chain, self.guard(plug, route_handler(route, recorder, plug), path))


class AiohttpOldStyle(AiohttpSubject):
    """Deprecated `async def factory(app, handler)` middleware, still accepted by aiohttp 3.x."""

    name = "aiohttp/old-style"
    description = "aiohttp deprecated old-style `(app, handler)` middleware factories (rebuilt per request)"
    known = {
        **AiohttpSubject.known,
        "order.seed-003-route-chain": (
            "aiohttp 3.14 checks only the root app for old-style middleware (web_app.py `_handle`); "
            "one in a sub-application whose root has none is called as new-style and the request fails with 500"
        ),
    }

    def middleware(self, probe: Probe, recorder: Recorder) -> Middleware:
        new_style = probe_middleware(probe, recorder)

        async def factory(app: web.Application, handler: Any) -> Any:
            async def middleware(request: web.Request) -> web.StreamResponse:
                return await new_style(request, handler)

            return middleware

        return factory


SUBJECTS: list[type[Subject]] = [AiohttpSubject, AiohttpRouteMiddleware, AiohttpOldStyle]
