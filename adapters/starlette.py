"""Starlette subjects: pure ASGI middleware and `BaseHTTPMiddleware`, declared both ways.

Every subject declares the `starlette` profile: the onion inside the two layers Starlette owns
(`ServerErrorMiddleware` outermost, `ExceptionMiddleware` innermost; SPEC.md, Profiles). Served
by the ASGI layer (`asgi.py`) in-process or on uvicorn.

- `starlette/asgi`: pure ASGI middleware classes in `Starlette(middleware=[...])`; route-local
  chains as `Mount(prefix, routes, middleware=[...])`.
- `starlette/base-http`: the same with `BaseHTTPMiddleware.dispatch(request, call_next)`.
- `starlette/add-middleware`: pure ASGI middleware declared with `app.add_middleware`, which
  Starlette documents as wrapping what was added before (the last added is outermost), so the
  chain is added innermost first; route-local chains as `Route(path, middleware=[...])`.

To grade your own Starlette middleware, subclass one and override `middleware()`.

As the `starlette` framework of feature subjects (`adapters/features.py`) it puts the plug where a
Starlette user puts middleware: a native layer is a `starlette.middleware.Middleware` (or an ASGI
middleware factory, `layer(app) -> app`), placed outermost in the user middleware list, so
Starlette's own `ServerErrorMiddleware` stays outside it as in every real app; a `Setup` runs on
the app (its `add_middleware` calls land outermost too), a `Guard` wraps each endpoint, a
`Finish` runs on the finished app, and session handlers reach the request's session through the
plug. `accepted(request, claims)` takes a Starlette `Request`; a pure ASGI middleware, which has
only the scope, reports with `accepted(Request(scope), claims)`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..reference.asgi import AsgiSocket
from ..reference.probes import (
    Recorder,
    RequestIO,
    around,
    background_task,
    echo_body,
    halves,
    handler_phase,
    trickled,
    websocket_phase,
)
from ..reference.router import PATH_PARAM
from ..reference.scenario import Group, Handler, Probe, Scenario
from ..reference.scenario import Route as NeutralRoute
from .asgi import ASGIApp, AsgiSubject
from .asgi_probe import ProbeASGI, scope_context
from .base import CAPABILITIES, ContractError, Finish, Guard, Plug, Setup, describe, flatten, register_context
from .session import session_api


def http_error(status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
    """What a probe raises in Starlette: `HTTPException(status, headers=...)`, or a crash."""
    return HTTPException(status, headers=dict(headers) or None) if status is not None else RuntimeError("raised because the scenario asked for it")


_convertors: dict[str, str] = {}
_names = itertools.count()


def starlette_path(path: str) -> str:
    """`/post/{slug:regex}` (neutral) → `/post/{slug:mwc0}`, a convertor registered for that regex.

    Starlette's `{name:type}` takes a convertor name, not a regex; convertors are registered
    process-wide, so each distinct regex gets one unique name once.
    """

    def convert(match: re.Match[str]) -> str:
        name, regex = match.group(1), match.group(2)
        if not regex:
            return f"{{{name}}}"
        if regex not in _convertors:
            _convertors[regex] = f"mwc{next(_names)}"
            register_url_convertor(_convertors[regex], type(_convertors[regex], (Convertor,), {"regex": regex, "convert": str, "to_string": str})())
        return f"{{{name}:{_convertors[regex]}}}"

    return PATH_PARAM.sub(convert, path)


class StarletteIO(RequestIO):
    """`ProbeIO` over a Starlette `Request`; the context is the request state, as in `ScopeIO`."""

    def context(self) -> dict[str, Any]:
        return scope_context(self.request.scope)

    def rewrite(self, param: str, transform: Callable[[str], str]) -> None:
        self.request.path_params[param] = transform(self.request.path_params[param])

    def respond(self, status: int, body: str) -> Response:
        return PlainTextResponse(body, status_code=status)

    def add_header(self, response: Response, name: str, value: str) -> None:
        response.headers.append(name, value)

    def fail(self, status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
        return http_error(status, headers)


register_context(Request, lambda request: scope_context(request.scope))


class ProbeDispatch(BaseHTTPMiddleware):
    """One probe as a `BaseHTTPMiddleware`."""

    def __init__(self, app: ASGIApp, probe: Probe, recorder: Recorder) -> None:
        super().__init__(app)
        self.probe, self.recorder = probe, recorder

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await dispatch_probe(self.probe, self.recorder, request, call_next)


async def dispatch_probe(probe: Probe, recorder: Recorder, request: Request, call_next: RequestResponseEndpoint) -> Response:
    """A probe's phases around `call_next`, as a `dispatch` function (BaseHTTPMiddleware, FastAPI);
    `dispatch` returns before a streamed body is sent, so the probe's cleanup runs then."""
    return await around(
        probe,
        StarletteIO(request),
        recorder.sink(request.headers),
        request.body,  # BaseHTTPMiddleware replays it to the app (Starlette 0.28+)
        lambda: call_next(request),
        lambda response: response.status_code,
        lambda exc: getattr(exc, "status_code", 500),
    )


def endpoint(routes: Sequence[NeutralRoute], recorder: Recorder, plug: Plug) -> Callable[[Request], Any]:
    """One endpoint for every method routed on a path (so a 405's Allow names them all); session
    handlers reach the request's session through the plug's session binding."""
    handlers = {r.method: r.handler for r in routes}
    session_of = session_api(plug) if any(h.session is not None for h in handlers.values()) else None

    async def handle(request: Request) -> Response:
        handler, io = handlers["GET" if request.method == "HEAD" and "HEAD" not in handlers else request.method], StarletteIO(request)
        if handler.session is not None and session_of is not None:
            return await session_response(handler, io, session_of(request), recorder)
        await handler_phase(handler, io, recorder.sink(request.headers))
        body = echo_body(request.path_params, io.context(), await request.body() if handler.read_body else None)
        response: Response
        background = BackgroundTask(background_task, recorder, request.headers) if handler.background else None
        if handler.stream:
            pieces = trickled(recorder.sink(request.headers), body) if handler.trickle else written(body)
            response = StreamingResponse(pieces, status_code=handler.status, media_type="application/json", background=background)
        else:
            response = Response(body, status_code=handler.status, media_type="application/json", background=background)
        for name, value in handler.headers:
            response.headers.append(name, value)
        return response

    return handle


def websocket_endpoint(recorder: Recorder) -> Callable[[WebSocket], Any]:
    """The scenario's WebSocket handler (`Handler.websocket`) as a Starlette WebSocket endpoint."""

    async def talk(websocket: WebSocket) -> None:
        await websocket_phase(AsgiSocket(websocket.receive, websocket.send), recorder.sink(websocket.headers))

    return talk


async def written(body: bytes) -> AsyncIterator[bytes]:
    """A streamed body, in the two writes every adapter makes."""
    for piece in halves(body):
        yield piece


async def session_response(handler: Handler, io: StarletteIO, api: Any, recorder: Recorder) -> Response:
    """A session handler: its action on the plug's session, then the usual handler phase, then the session."""
    from ..reference.session_ops import apply, render

    assert handler.session is not None
    session = await apply(handler.session, api, io.header)
    await handler_phase(handler, io, recorder.sink(io.request.headers))
    content_type, body = render(handler.session, session)
    return Response(body, status_code=handler.status, media_type=content_type)


def by_path(routes: Sequence[NeutralRoute]) -> dict[str, list[NeutralRoute]]:
    paths: dict[str, list[NeutralRoute]] = {}
    for route in routes:
        paths.setdefault(route.path, []).append(route)
    return paths


class StarletteSubject(AsgiSubject):
    """Starlette with pure ASGI middleware in `Starlette(middleware=[...])`; groups as `Mount`."""

    name = "starlette/asgi"
    adapter = "starlette"
    profile = "starlette"
    capabilities = frozenset(CAPABILITIES) - {"priority", "rewrite-params"}
    packages: tuple[str, ...] = ("starlette",)
    description = "Starlette pure ASGI middleware in `Starlette(middleware=[...])`; route-local chains as `Mount(..., middleware=)`"
    known = {
        **dict.fromkeys(
            ("route.404-under-group-prefix", "route.405-under-group-prefix"),
            "a Mount owns its whole prefix: its middleware wraps the mounted router, so it also runs for the "
            "router's 404 and 405 under the prefix (Starlette docs, Routing: Submounting routes)",
        ),
    }

    def middleware(self, probe: Probe, recorder: Recorder) -> Middleware:
        return Middleware(ProbeASGI, probe=probe, recorder=recorder, fail=http_error)

    def routes(self, routes: Sequence[NeutralRoute], recorder: Recorder, plug: Plug, chain: Sequence[Middleware] | None = None, prefix: str = "") -> list[BaseRoute]:
        sockets: list[BaseRoute] = [WebSocketRoute(starlette_path(r.path), websocket_endpoint(recorder), middleware=chain) for r in routes if r.handler.websocket]
        return sockets + [
            Route(starlette_path(p), self.guard(plug, endpoint(rs, recorder, plug), prefix + p), methods=[r.method for r in rs], middleware=chain)
            for p, rs in by_path([r for r in routes if not r.handler.websocket]).items()
        ]

    def group(self, group: Group, recorder: Recorder, plug: Plug) -> BaseRoute:
        chain = [self.middleware(p, recorder) for p in group.chain]
        return Mount(group.prefix, routes=self.routes(group.routes, recorder, plug, prefix=group.prefix), middleware=chain)

    def application(self, routes: list[BaseRoute], chain: list[Middleware]) -> Starlette:
        return Starlette(routes=routes, middleware=chain)

    def build(self, scenario: Scenario, recorder: Recorder) -> ASGIApp:
        return self.build_plugged(scenario, recorder, Plug())

    def build_plugged(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> ASGIApp:
        routes = self.routes(scenario.routes, recorder, plug) + [self.group(g, recorder, plug) for g in scenario.groups]
        app = self.application(routes, [self.middleware(p, recorder) for p in scenario.chain])
        self.plug_in(app, plug)
        return app

    def plug_in(self, app: Starlette, plug: Plug) -> None:
        """The plug's Setup and native layers, outermost in the user middleware, the first one outermost.

        Each goes in with `add_middleware` (which inserts at the front of the user middleware), last
        layer first, once the scenario's own chain is declared; a Setup runs at its place in that
        order, so its own `add_middleware` calls land where its position says. `ServerErrorMiddleware`
        stays outside them all, as it does in every Starlette app.
        """
        for layer in reversed(flatten(plug.layers)):
            if isinstance(layer, Setup):
                layer.install(app)
            elif isinstance(layer, Middleware):
                app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
            elif callable(layer) and not isinstance(layer, (Finish, Guard)):
                app.add_middleware(layer)  # an ASGI middleware factory: Starlette calls layer(app)
            elif not isinstance(layer, (Finish, Guard)):
                raise ContractError(
                    f"{self.name} takes a starlette.middleware.Middleware or an ASGI middleware factory layer(app) -> app, "
                    f"a Setup, Finish or Guard (got {describe(layer)})"
                )
        self.finish(app, plug)


class StarletteBaseHTTP(StarletteSubject):
    name = "starlette/base-http"
    # BaseHTTPMiddleware.__call__ hands every scope but `http` to the app untouched.
    capabilities = StarletteSubject.capabilities - {"websocket-middleware"}
    description = "Starlette `BaseHTTPMiddleware.dispatch(request, call_next)` in `Starlette(middleware=[...])`; route-local chains as `Mount(..., middleware=)`"

    def middleware(self, probe: Probe, recorder: Recorder) -> Middleware:
        return Middleware(ProbeDispatch, probe=probe, recorder=recorder)


class StarletteAddMiddleware(StarletteSubject):
    name = "starlette/add-middleware"
    description = "Starlette pure ASGI middleware declared with `app.add_middleware` (last added outermost); route-local chains as `Route(..., middleware=)`"
    known = {}

    def group(self, group: Group, recorder: Recorder, plug: Plug) -> BaseRoute:
        chain = [self.middleware(p, recorder) for p in group.chain]
        return Mount(group.prefix, routes=self.routes(group.routes, recorder, plug, chain, group.prefix))

    def application(self, routes: list[BaseRoute], chain: list[Middleware]) -> Starlette:
        app = Starlette(routes=routes)
        # add_middleware inserts at the front of the user middleware (the last added is outermost:
        # FastAPI docs, Middleware, "Multiple middleware execution order"; starlette#1490), so the
        # declared-outermost layer is added last.
        for layer in reversed(chain):
            app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
        return app


SUBJECTS = [StarletteSubject, StarletteBaseHTTP, StarletteAddMiddleware]
