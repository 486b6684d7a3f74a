"""Sanic subjects: request/response middleware, `on_request`/`on_response` with priorities, blueprints.

Sanic keeps process-global state (see ../shared research: app-name registry, TouchUp, a global
middleware definition counter). Each app here gets a unique name that is released at teardown,
`TOUCHUP=False` so several apps can start in one process, and `AUTO_EXTEND=False` so an installed
sanic-ext never changes the verdicts. The socket mode serves with `create_server` on a pre-bound
loopback socket (`port=0` would mean 8000 in Sanic); the in-process mode drives the ASGI app
through httpx after a real lifespan startup.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import CodeType
from typing import Any

import httpx
from sanic import Blueprint, HTTPResponse, Request, Sanic, SanicException
from sanic.response import raw, text

from ..harness import free_socket
from ..outcomes import HarnessError
from ..reference.probes import Recorder, RequestIO, echo_body, handler_phase, request_phase, response_phase
from ..reference.router import PATH_PARAM
from ..reference.scenario import Probe, Route, Scenario
from .base import CAPABILITIES, Subject, Target

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

    def fail(self, status: int | None) -> Exception:
        if status is None:
            return RuntimeError("raised because the scenario asked for it")
        return SanicException(f"HTTP {status}", status_code=status)


class SanicSubject(Subject):
    """Sanic with `register_middleware(fn, "request"|"response")`; blueprints for route-local chains."""

    name = "sanic/middleware"
    adapter = "sanic"
    profile = "hooks"
    capabilities = frozenset(CAPABILITIES) - {"priority"}
    modes = ("socket", "inprocess")
    packages = ("sanic", "sanic-routing")
    description = "Sanic `app.register_middleware` / `Blueprint.middleware` request and response middleware"
    known = dict.fromkeys(
        ("error.response-phase-raises", "error.response-phase-raises-http"),
        "Sanic logs an exception raised in response middleware and sends the response as it was (sanic#1928), instead of an error response",
    )

    def attach(self, target: Sanic | Blueprint, fn: Callable[..., Any], phase: str, priority: int) -> None:
        target.register_middleware(fn, phase) if isinstance(target, Sanic) else target.middleware(fn, phase)

    def install(self, target: Sanic | Blueprint, probe: Probe, recorder: Recorder) -> None:
        if probe.request is not None:

            async def on_request(request: Request) -> HTTPResponse | None:
                return request_phase(probe, SanicIO(request), recorder.sink(request.headers))

            self.attach(target, on_request, "request", probe.priority)
        if probe.response is not None or probe.convert is not None:

            async def on_response(request: Request, response: HTTPResponse) -> HTTPResponse | None:
                return response_phase(probe, SanicIO(request), recorder.sink(request.headers), response, response.status)

            self.attach(target, on_response, "response", probe.priority)

    def add_route(self, target: Sanic | Blueprint, route: Route, recorder: Recorder) -> None:
        async def handle(request: Request, **params: str) -> HTTPResponse:
            io = SanicIO(request)
            await handler_phase(route.handler, io, recorder.sink(request.headers))
            response = raw(echo_body(params, io.context()), status=route.handler.status, content_type="application/json")
            for name, value in route.handler.headers:
                response.headers.add(name, value)
            return response

        target.add_route(handle, sanic_path(route.path), methods=[route.method], name=unique_name("r"))

    def install_outer(self, app: Sanic, scenario: Scenario, recorder: Recorder) -> None:
        """Feature subjects (CORS, session, JWT) install their middleware here, before the chain."""

    def build(self, scenario: Scenario, recorder: Recorder) -> Sanic:
        app = new_app()
        # The global chain is defined first: Sanic orders app and blueprint middleware by a
        # process-wide definition counter, not by where they are attached.
        self.install_outer(app, scenario, recorder)
        for probe in scenario.chain:
            self.install(app, probe, recorder)
        for route in scenario.routes:
            self.add_route(app, route, recorder)
        for group in scenario.groups:
            bp = _Blueprint(unique_name(), url_prefix=group.prefix)
            for probe in group.chain:
                self.install(bp, probe, recorder)
            for route in group.routes:
                self.add_route(bp, route, recorder)
            app.blueprint(bp)
        return app

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        async with serve_app(self.build(scenario, recorder), mode) as target:
            yield target


@asynccontextmanager
async def serve_app(app: Sanic, mode: str = "socket") -> AsyncIterator[Target]:
    """Serve any Sanic app on a loopback socket (or in-process over ASGI); unregister it after."""
    try:
        if mode == "inprocess":
            async with _lifespan(app):
                yield Target("http://sanic.test", httpx.ASGITransport(app=app, raise_app_exceptions=False))
            return
        sock = free_socket()
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        if server is None:
            raise HarnessError(f"Sanic did not start {app.name} on {sock.getsockname()}")
        await server.startup()
        await server.before_start()
        await server.after_start()
        try:
            yield Target(f"http://127.0.0.1:{sock.getsockname()[1]}")
        finally:
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()
            sock.close()
    finally:
        Sanic.unregister_app(app)


@asynccontextmanager
async def _lifespan(app: Sanic) -> AsyncIterator[None]:
    """Run the ASGI lifespan protocol that httpx's ASGITransport does not send."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    reply = await outbox.get()
    if reply["type"] != "lifespan.startup.complete":
        task.cancel()
        raise HarnessError(f"Sanic lifespan startup failed: {reply}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


class SanicHooks(SanicSubject):
    """Sanic `on_request` / `on_response` with `priority=`."""

    name = "sanic/on-hooks"
    capabilities = frozenset(CAPABILITIES)
    description = "Sanic `@app.on_request` / `@app.on_response` (and blueprint equivalents) with `priority=`"

    def attach(self, target: Sanic | Blueprint, fn: Callable[..., Any], phase: str, priority: int) -> None:
        hook = target.on_request if phase == "request" else target.on_response
        hook(fn, priority=priority)


SUBJECTS: list[type[Subject]] = [SanicSubject, SanicHooks]
