"""The ASGI serving layer: any ASGI app, served in-process or on a real loopback socket.

Every ASGI subject (Starlette, FastAPI, Litestar, the reference itself, a user's own framework)
goes through `serve_asgi`:

- **lifespan**: asgi-lifespan's `LifespanManager` runs the app's start-up before the first request
  and its shut-down after the last, in both modes (uvicorn's own lifespan is off, so the two modes
  run the very same start-up). A start-up that fails, reports `lifespan.startup.failed` or does
  not complete within `LIFESPAN_TIMEOUT` is a one-line `HarnessError`; an app that refuses the
  lifespan scope is served without one, as uvicorn's `lifespan="auto"` does.
- **socket**: uvicorn's HTTP protocol on a free 127.0.0.1 socket, always closed at the end.
- **inprocess**: httpx's `ASGITransport`, each request bounded by the harness' request timeout.
- **guard**: the app runs inside a small ASGI protocol check. A message ASGI does not allow on a
  `websocket` scope (`http.response.start` answering an upgrade), a second `http.response.start`, a
  body before the start, or returning without a response is a `HarnessError` naming the
  violation (uvicorn would otherwise answer a made-up 500 or drop the connection, and httpx
  would raise an `AssertionError`, which reads as a verdict); a response cut off by an exception
  after its start is a dropped connection in both modes. So both modes give the same outcome.
"""

from __future__ import annotations

import asyncio
import sys
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from ..harness import REQUEST_TIMEOUT, free_socket, inprocess_transport, read_capped, websocket_violation
from ..outcomes import HarnessError
from ..reference.probes import REQUEST_ID, Recorder
from ..reference.scenario import Scenario
from .base import ContractError, Finish, Framework, Guard, Plug, Setup, Target, describe, flatten

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LIFESPAN_TIMEOUT = 5.0  # seconds each of start-up and shut-down may take (half the case deadline)


class LifespanFailed(Exception):
    """The app answered `lifespan.startup.failed`."""


class _Guard:
    """Checks the ASGI messages an app sends for each HTTP request; records what it breaks.

    Violations are keyed by the harness' request id, so the transport that sent the request can
    turn them into an error for that request alone.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.violations: dict[str, tuple[str, bool]] = {}  # request id → (what, connection dropped)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # asgi-lifespan 2.1.0 leaves out the scope's required `asgi` key (ASGI spec: "asgi"
            # is in every scope), which Falcon reads as ASGI 2 and refuses.
            scope.setdefault("asgi", {"version": "3.0", "spec_version": "2.0"})
            await self.app(scope, receive, _fail_fast(send))
            return
        if "state" in scope:
            # asgi-lifespan 2.1.0 hands every request the one lifespan state dict; the ASGI spec
            # (lifespan state) asks servers for a shallow copy per request, as uvicorn makes.
            scope["state"] = dict(scope["state"])
        request_id = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == REQUEST_ID.encode()), "-")
        if scope["type"] == "websocket":
            await self.app(scope, receive, self._websocket_checked(request_id, send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = ended = False

        async def checked(message: Message) -> None:
            nonlocal started, ended
            kind = message["type"]
            broken = None
            if kind == "http.response.start" and started:
                broken = "sent http.response.start twice"
            elif kind == "http.response.body" and not started:
                broken = "sent http.response.body before http.response.start"
            elif kind == "http.response.body" and ended:
                broken = "sent http.response.body after the last body message"
            if broken is not None:
                self.violations.setdefault(request_id, (broken, False))
                raise RuntimeError(f"ASGI protocol violation: the app {broken}")
            started = started or kind == "http.response.start"
            ended = ended or (kind == "http.response.body" and not message.get("more_body", False))
            await send(message)

        try:
            await self.app(scope, receive, checked)
        except Exception as exc:
            if started and not ended:
                self.violations.setdefault(request_id, (f"raised {type(exc).__name__} after starting its response: it was cut off", True))
            raise
        if not started:
            self.violations.setdefault(request_id, ("returned without sending http.response.start", False))
            # Raised so that both servers answer a (discarded) 500 instead of asserting.
            raise RuntimeError("ASGI protocol violation: the app returned without a response")

    def _websocket_checked(self, request_id: str, send: Send) -> Send:
        """`send` for a `websocket` scope: a message ASGI does not allow there is recorded and refused
        (uvicorn would answer a made-up 500; the harness's `upgrade` reports it as an error)."""

        async def checked(message: Message) -> None:
            broken = websocket_violation(message)
            if broken is not None:
                self.violations.setdefault(request_id, (broken, False))
                raise RuntimeError(f"ASGI protocol violation: the app {broken}")
            await send(message)

        return checked

    def check(self, request: httpx.Request) -> None:
        """Raise for the violation `request` caused, if any: a dropped connection or a HarnessError."""
        found = self.violations.pop(request.headers.get(REQUEST_ID, "-"), None)
        if found is None:
            return
        what, dropped = found
        message = f"{request.method} {request.url.path}: the ASGI app {what}"
        if dropped:
            raise httpx.RemoteProtocolError(message, request=request)
        raise HarnessError(message)


def _fail_fast(send: Send) -> Send:
    """asgi-lifespan 2.1.0 ignores `lifespan.startup.failed` and waits for its timeout; raise instead."""

    async def watched(message: Message) -> None:
        if message["type"] == "lifespan.startup.failed":
            raise LifespanFailed(message.get("message") or "no message")
        await send(message)

    return watched


class _GuardedTransport(httpx.AsyncBaseTransport):
    """A transport that reports the guard's findings for each request it sends."""

    def __init__(self, inner: httpx.AsyncBaseTransport, guard: _Guard, timeout: float | None = None) -> None:
        self.inner, self.guard, self.timeout = inner, guard, timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await asyncio.wait_for(self._exchange(request), self.timeout)
        except asyncio.TimeoutError:
            raise httpx.ReadTimeout(f"no answer within {self.timeout:g} s", request=request) from None
        except httpx.TransportError:
            self.guard.check(request)
            raise
        self.guard.check(request)
        return response

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        # Read the whole body here (up to the harness's cap), so a violation the app commits after
        # its headers is known before the response is handed on.
        try:
            body = await read_capped(response.aiter_raw(), f"{request.method} {request.url.path}")
        finally:
            await response.aclose()
        return httpx.Response(response.status_code, headers=response.headers, content=body, extensions=response.extensions, request=request)

    async def aclose(self) -> None:
        """Kept open: each harness exchange closes its client, the target outlives it (`serve_asgi` closes it)."""


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[ASGIApp]:
    """Run `app`'s lifespan start-up, yield the app to serve (with its lifespan state), shut down."""
    from asgi_lifespan import LifespanManager, LifespanNotSupported

    manager = LifespanManager(app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT)
    try:
        await manager.__aenter__()
    except LifespanNotSupported:
        yield app  # the app refused the lifespan scope before reading it: serve it without one
        return
    except Exception as exc:
        raise HarnessError(f"the ASGI app's lifespan start-up {_why(exc)}") from None
    try:
        yield manager.app
    except BaseException:
        await manager.__aexit__(*sys.exc_info())
        raise
    try:
        await manager.__aexit__(None, None, None)
    except Exception as exc:
        raise HarnessError(f"the ASGI app's lifespan shut-down {_why(exc)}") from None


def _why(exc: Exception) -> str:
    """How a lifespan phase went wrong, in words."""
    if isinstance(exc, TimeoutError):
        return f"did not complete within {LIFESPAN_TIMEOUT:g} s"
    if isinstance(exc, LifespanFailed):
        return f"failed: {str(exc).strip().splitlines()[-1] if str(exc).strip() else 'no message'}"
    return f"raised {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".rstrip(": ")


@asynccontextmanager
async def uvicorn_server(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` with uvicorn's HTTP protocol on a free 127.0.0.1 socket; yield its base URL."""
    import uvicorn
    from uvicorn.server import ServerState

    # A header block up to 4 MB reaches the app (by default h11 refuses one still incomplete past
    # 16 KB and uvicorn drops the connection), so the middleware itself judges the JWT suite's 1 MB token.
    config = uvicorn.Config(
        app, http="h11", lifespan="off", log_level="critical", access_log=False, h11_max_incomplete_event_size=4 * 1024 * 1024
    )
    config.load()
    state = ServerState()
    sock = free_socket()
    # uvicorn's own protocol on our socket; Server.serve()/shutdown() would add 0.1 s sleeps.
    protocol: Any = config.http_protocol_class  # typed as a bare asyncio.Protocol by uvicorn
    server = await asyncio.get_running_loop().create_server(lambda: protocol(config=config, server_state=state, app_state={}), sock=sock)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for connection in list(state.connections):
            connection.shutdown()
        await server.wait_closed()
        sock.close()


@asynccontextmanager
async def serve_asgi(app: ASGIApp, mode: str, host: str = "asgi.test") -> AsyncIterator[Target]:
    """Serve any ASGI app in `mode` (`socket` or `inprocess`) with its lifespan; tear it all down."""
    guard = _Guard(app)
    async with lifespan(guard) as served:
        if mode == "inprocess":
            yield Target(f"http://{host}", _GuardedTransport(inprocess_transport(served), guard, REQUEST_TIMEOUT), app=served)
            return
        async with uvicorn_server(served) as base_url, httpx.AsyncHTTPTransport(verify=False, trust_env=False) as http:
            # Read timeouts come from the client here; the transport only adds the guard's check.
            yield Target(base_url, _GuardedTransport(http, guard))


class AsgiSubject(Framework):
    """Any ASGI framework: implement `build()` (the scenario as an ASGI app); serving is done here.

    This is the subject for a user's own ASGI framework or app (docs/driving-asgi.md has a worked
    example with Falcon): turn each neutral probe into your middleware with the phase functions of
    `mwconform.reference.probes`, build the routes, return the app. Both serving modes, the
    lifespan protocol and the ASGI protocol check come with it.

    As a framework for feature subjects (CORS, JWT: `adapters/features.py`) it takes, by default,
    native layers that are ASGI middleware factories, `layer(app) -> app` (a pure ASGI middleware
    class with its options bound by `functools.partial`), wrapped around the whole app, the first
    one outermost. A framework with its own middleware list, route decorators or session routes
    (Starlette, Litestar) overrides `build_plugged` to put them where its users do.
    """

    adapter = "asgi"
    modes = ("socket", "inprocess")

    @abstractmethod
    def build(self, scenario: Scenario, recorder: Recorder) -> ASGIApp:
        """The ASGI app for `scenario`; probes record their events through `recorder`."""

    def build_plugged(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> ASGIApp:
        """`build`, wrapped in the plug's ASGI middleware factories (the first one outermost)."""
        if plug.session is not None and any(r.handler.session is not None for r in scenario.routes):
            raise ContractError(f"{self.name} routes no session handlers; override build_plugged to give them the plug's session")
        app = self.build(scenario, recorder)
        for layer in reversed(flatten(plug.layers)):
            if isinstance(layer, (Setup, Finish, Guard)) or not callable(layer):
                raise ContractError(
                    f"{self.name} takes ASGI middleware factories, layer(app) -> app (got {describe(layer)}); "
                    "override build_plugged for Setup, Finish or Guard"
                )
            app = layer(app)
        return app

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        async with serve_asgi(self.build_plugged(scenario, recorder, plug), mode, f"{self.adapter}.test") as target:
            yield target
