"""Litestar subjects: layered middleware (app, router, controller, handler).

Every subject declares the `litestar` profile: the onion around Litestar's per-route exception
handling (SPEC.md, Profiles). The global chain is the app's `middleware=[...]` (pure ASGI
middleware through `DefineMiddleware`, first listed outermost); a route-local chain sits on one of
the lower layers, which is the only difference between the subjects:

- `litestar/router`: `Router(path=prefix, route_handlers=..., middleware=[...])`;
- `litestar/controller`: a `Controller` subclass with `path = prefix` and `middleware = [...]`;
- `litestar/handler`: `middleware=[...]` on each route handler of the group;
- `litestar/hooks`: the global chain as `before_request` / `after_request` hooks (`hooks`
  profile; see `LitestarHooks`).

Litestar inserts user middleware into each route's own stack, after routing, so its 404 and 405
answers pass no user layer at all (litestar#175; CORS was special-cased for it in #1133): recorded
as `known` on the cases that expect the global chain there.

`LitestarSubject` is also the `litestar` framework of feature subjects (`adapters/features.py`);
its docstring says where each kind of layer goes.
"""

from __future__ import annotations

import itertools
from collections.abc import MutableMapping, Sequence
from contextvars import ContextVar
from typing import Any, cast

from litestar import Controller, Litestar, Request, Response, Router, WebSocket
from litestar.background_tasks import BackgroundTask
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler, WebsocketRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.response import Stream

from ..reference.asgi import AsgiSocket
from ..reference.probes import Recorder, background_task, echo_body, halves, handler_phase, reads_body, request_phase, response_phase, trickled, websocket_phase
from ..reference.router import PATH_PARAM
from ..reference.scenario import Group, Probe, Scenario
from ..reference.scenario import Route as NeutralRoute
from .asgi import ASGIApp, AsgiSubject
from .asgi_probe import ProbeASGI, ScopeIO, scope_context
from .base import CAPABILITIES, ContractError, Framework, Handler, Plug, describe, register_context
from .session import session_api

#: `accepted(request, claims)` on any Litestar connection (a `Request`, or the `ASGIConnection` an
#: authentication middleware is handed) writes the probes' context in the ASGI request state.
register_context(ASGIConnection, lambda connection: scope_context(connection.scope))

_names = itertools.count()

BYPASS = (
    "Litestar inserts user middleware into each route's stack, after routing: the router's own {status} "
    "answer passes no user middleware at all (litestar#175, #1133)"
)


def add_field(response: Response, name: str, value: str) -> None:
    """Add a header field to a Litestar `Response`, whose headers are a plain dict: a second value
    joins the first as a list element, an equivalent header field (RFC 9110 §5.3)."""
    name = name.lower()
    response.headers[name] = f"{response.headers[name]}, {value}" if name in response.headers else value


def http_error(status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
    """What a probe raises in Litestar: `HTTPException(status_code=..., headers=...)`, or a crash."""
    return HTTPException(status_code=status, headers=dict(headers) or None) if status is not None else RuntimeError("raised because the scenario asked for it")


def litestar_path(path: str) -> str:
    """`/post/{slug}` or `/post/{slug:regex}` (neutral) → `/post/{slug:str}`.

    Litestar's path parameters take a type, never a regex; a neutral regex only narrows which
    paths route, and the cases send no path it would refuse.
    """
    return PATH_PARAM.sub(lambda m: f"{{{m.group(1)}:str}}", path)


def endpoint(route: NeutralRoute, recorder: Recorder, plug: Plug) -> Handler:
    """The scenario's handler for `route` as `async (request) -> Response`: the echo handler, or a
    session handler reaching the session through the plug's session binding."""
    neutral = route.handler
    if neutral.session is not None:
        from ..reference.session_ops import apply, render

        action, session_of = neutral.session, session_api(plug)

        async def handle_session(request: Request) -> Response:
            io = ScopeIO(_scope(request), http_error)
            session = await apply(action, session_of(request), io.header)
            await handler_phase(neutral, io, recorder.sink(io.headers))
            content_type, body = render(action, session)
            return with_fields(Response(body, status_code=neutral.status, media_type=content_type), neutral.headers)

        return handle_session

    async def handle(request: Request) -> Response:
        io = ScopeIO(_scope(request), http_error)
        await handler_phase(neutral, io, recorder.sink(io.headers))
        body = echo_body(request.path_params, scope_context(_scope(request)), await request.body() if neutral.read_body else None)
        background = BackgroundTask(background_task, recorder, io.headers) if neutral.background else None
        response: Response = (
            Stream(trickled(recorder.sink(io.headers), body) if neutral.trickle else halves(body), status_code=neutral.status, media_type="application/json", background=background)
            if neutral.stream
            else Response(body, status_code=neutral.status, media_type="application/json", background=background)
        )
        return with_fields(response, neutral.headers)

    return handle


def in_registration_order(routes: Sequence[NeutralRoute]) -> list[NeutralRoute]:
    """Explicit OPTIONS routes first: registered after another method of the same path, one
    collides with the OPTIONS handler Litestar made for that path (litestar#4788)."""
    return sorted(routes, key=lambda route: route.method != "OPTIONS")


def with_fields(response: Response, fields: tuple[tuple[str, str], ...]) -> Response:
    for name, value in fields:
        add_field(response, name, value)
    return response


def socket_handler(route: NeutralRoute, recorder: Recorder, middleware: Sequence[DefineMiddleware] = ()) -> WebsocketRouteHandler:
    """The scenario's WebSocket handler (`Handler.websocket`) as a Litestar `@websocket` route handler."""

    async def talk(socket: WebSocket) -> None:
        await websocket_phase(AsgiSocket(socket.receive, socket.send), recorder.sink(socket.headers))

    talk.__name__ = f"w{next(_names)}"
    return WebsocketRouteHandler(path=litestar_path(route.path), middleware=list(middleware), name=talk.__name__)(talk)


def handler(
    route: NeutralRoute,
    recorder: Recorder,
    middleware: Sequence[DefineMiddleware] = (),
    method_self: bool = False,
    plug: Plug | None = None,
    prefix: str = "",
) -> HTTPRouteHandler | WebsocketRouteHandler:
    """A route handler for one neutral route, wrapped by the plug's Guards (a controller method takes `self` first)."""
    if route.handler.websocket:
        return socket_handler(route, recorder, middleware)
    plug = plug or Plug()
    # Litestar reads the handler's signature (a `request` parameter, a return annotation), which
    # a Guard's wrapper need not have: the registered function is always this one.
    guarded = Framework.guard(plug, endpoint(route, recorder, plug), prefix + route.path)

    async def handle(request: Request) -> Response:
        response: Response = await guarded(request)
        return response

    async def method(self: Any, request: Request) -> Response:
        return await handle(request)

    fn = method if method_self else handle
    fn.__name__ = f"h{next(_names)}"
    # status_code only silences Litestar's build-time check of DELETE handlers (default 204, no
    # body); the handler answers its own Response with the scenario's status.
    return HTTPRouteHandler(path=litestar_path(route.path), http_method=[route.method], middleware=list(middleware), name=fn.__name__, status_code=200)(fn)


class LitestarSubject(AsgiSubject):
    """Litestar app middleware; route-local chains as `Router(middleware=...)`.

    As the `litestar` framework of feature subjects, layers go where a Litestar user puts them.
    Litestar is configured when the app is constructed, so the plug's layers act on the keyword
    arguments of `Litestar(...)` before the scenario's own:

    - a native layer is Litestar middleware, anything `Litestar(middleware=[...])` takes (a
      `DefineMiddleware`, an `AbstractMiddleware` or `ASGIMiddleware`, a factory `app -> app`):
      listed before the scenario's chain, the first layer outermost;
    - `Setup(install)`: `install(options)` gets the dict of keyword arguments (`middleware` holds
      the layers before it) and fills it as a user writes the constructor call:
      `options["cors_config"] = CORSConfig(...)`, `options["middleware"].append(session_config.middleware)`,
      `options["on_app_init"] = [jwt_auth.on_app_init]`. The scenario then adds its routes and chain;
    - `Guard(wrap)`: `wrap(handler, path)` gets each route's `async handler(request)` (the full
      path, group prefix included) and returns one to register;
    - `Finish(finish)`: `finish(app)` gets the constructed `Litestar` app.

    The scenario's session handlers reach the session through the feature subject's
    `session(request)` with Litestar's `Request`; `accepted(connection, claims)` takes any Litestar
    `ASGIConnection` (a `Request`, or what an authentication middleware is handed).
    """

    name = "litestar/router"
    adapter = "litestar"
    profile = "litestar"
    capabilities = frozenset(CAPABILITIES) - {"priority"}
    packages = ("litestar",)
    description = "Litestar app `middleware=[...]`; route-local chains as `Router(path, middleware=[...])`"
    known = {
        "routing.404-through-global-chain": BYPASS.format(status="404"),
        "routing.405-with-allow": BYPASS.format(status="405"),
        "route.404-under-group-prefix": BYPASS.format(status="404"),
        "route.405-under-group-prefix": BYPASS.format(status="405"),
        "head.unmatched-path-through-a-b-c": BYPASS.format(status="404"),
        **dict.fromkeys(
            ("head.get-route-through-a-b-c", "head.streamed-get-route-through-a-b-c"),
            "Litestar routes HEAD only to handlers declared for it (`@head`, which must return no body): HEAD on a GET "
            "route answers 405 (RFC 9110 §9.1; hey-api/hey-api#2966 meets it as 405s to polling HEAD requests)",
        ),
        "error.response-phase-raises-http": (
            "Litestar marks the response started in the request's shared scope state as soon as the handler "
            "sends it, even to a middleware that holds it back, so an HTTP error a middleware raises on the way "
            "out is an 'Exception caught after response started' 500 (ExceptionHandlerMiddleware)"
        ),
    }

    def middleware(self, probe: Probe, recorder: Recorder) -> DefineMiddleware:
        # A closure, not keyword arguments: Litestar deep-copies routers and route handlers when
        # it registers them, and a copied recorder would record into nothing.
        def factory(app: ASGIApp) -> ASGIApp:
            return ProbeASGI(app, probe, recorder, http_error)

        return DefineMiddleware(cast(Any, factory))  # a plain ASGI factory; Litestar types its scopes as TypedDicts

    def group(self, group: Group, recorder: Recorder, plug: Plug) -> Router | type[Controller]:
        chain = [self.middleware(p, recorder) for p in group.chain]
        return Router(path=group.prefix, route_handlers=[handler(r, recorder, plug=plug, prefix=group.prefix) for r in in_registration_order(group.routes)], middleware=chain)

    def chain(self, scenario: Scenario, recorder: Recorder) -> dict[str, Any]:
        """The `Litestar(...)` keyword arguments that make the scenario's global chain."""
        return {"middleware": [self.middleware(p, recorder) for p in scenario.chain]}

    def add_layer(self, options: dict[str, Any], layer: Any) -> None:
        if not (callable(layer) or isinstance(layer, DefineMiddleware)):
            raise ContractError(
                f"{describe(layer)} is not Litestar middleware: give what Litestar(middleware=[...]) takes "
                "(DefineMiddleware, an AbstractMiddleware class, an ASGIMiddleware, a factory app -> app), a Setup, Finish or Guard"
            )
        options["middleware"].append(layer)

    def build(self, scenario: Scenario, recorder: Recorder) -> ASGIApp:
        return self.build_plugged(scenario, recorder, Plug())

    def build_plugged(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> ASGIApp:
        options: dict[str, Any] = {"middleware": [], "openapi_config": None, "logging_config": None}
        self.install_layers(options, plug)
        for key, value in self.chain(scenario, recorder).items():
            if key == "middleware":
                options[key] = [*options[key], *value]
            elif key in options:
                raise ContractError(f"{self.name} sets Litestar({key}=...) for the scenario's chain; a Setup layer set it too")
            else:
                options[key] = value
        routes: list[Any] = [handler(r, recorder, plug=plug) for r in in_registration_order(scenario.routes)]
        routes += [self.group(g, recorder, plug) for g in scenario.groups]
        app = Litestar(route_handlers=[*options.pop("route_handlers", []), *routes], **options)
        self.finish(app, plug)
        return cast(ASGIApp, app)


class LitestarController(LitestarSubject):
    name = "litestar/controller"
    description = "Litestar app `middleware=[...]`; route-local chains as a `Controller` with `middleware = [...]`"

    def group(self, group: Group, recorder: Recorder, plug: Plug) -> type[Controller]:
        routes = enumerate(in_registration_order(group.routes))
        methods = {f"h{i}": handler(r, recorder, method_self=True, plug=plug, prefix=group.prefix) for i, r in routes}
        attrs = {"path": group.prefix, "middleware": [self.middleware(p, recorder) for p in group.chain], **methods}
        return type(f"Group{next(_names)}", (Controller,), attrs)


class LitestarHandler(LitestarSubject):
    name = "litestar/handler"
    description = "Litestar app `middleware=[...]`; route-local chains as `middleware=[...]` on each route handler"

    def group(self, group: Group, recorder: Recorder, plug: Plug) -> Router:
        chain = [self.middleware(p, recorder) for p in group.chain]
        return Router(path=group.prefix, route_handlers=[handler(r, recorder, chain, plug=plug, prefix=group.prefix) for r in in_registration_order(group.routes)])


def _scope(request: Any) -> MutableMapping[str, Any]:
    """A Litestar request's ASGI scope as the probes take it (Litestar types it as a TypedDict)."""
    scope: MutableMapping[str, Any] = request.scope
    return scope


class LitestarIO(ScopeIO):
    """`ProbeIO` for Litestar hooks: responses are Litestar `Response` objects."""

    def respond(self, status: int, body: str) -> Any:
        return Response(body, status_code=status, media_type="text/plain")

    def add_header(self, response: Any, name: str, value: str) -> None:
        add_field(response, name, value)


#: after_request is handed the response alone; before_request, run earlier in the same task, leaves
#: the request here for it.
current_request: ContextVar[Request] = ContextVar("mwc_litestar_request")


class LitestarHooks(LitestarSubject):
    """The global chain as the app's `before_request` / `after_request` hooks.

    Litestar takes one hook of each kind per layer, and the one closest to the handler replaces
    the others (Litestar docs, Life Cycle Hooks: "layered"), so hooks do not chain: the chain is
    written as one `before_request` running the request phases in order until one answers, and
    one `after_request` running the response phases in reverse until one replaces the response,
    as a user composes them. What Litestar decides is when those hooks run.
    """

    name = "litestar/hooks"
    profile = "hooks"
    # Route-local hooks would replace the app's, not run inside them; priorities do not exist.
    capabilities = frozenset(CAPABILITIES) - {"priority", "route-local", "error-conversion", "websocket-middleware"}
    # Generated scenarios raise in handlers and hooks, which these hooks never see (the known
    # deviations below); the properties suite cannot steer around that.
    suites = frozenset({"pipeline"})
    description = "Litestar app-level `before_request` / `after_request` hooks (one of each per layer, the closest wins)"
    known = {
        **{k: v for k, v in LitestarSubject.known.items() if k.startswith(("routing.", "head."))},
        **dict.fromkeys(
            ("error.handler-raises-http-404", "error.handler-crashes", "error.middleware-raises-http-409", "error.middleware-crashes"),
            "after_request runs only on a response the handler or before_request returned: an exception raised by "
            "either becomes its error response in Litestar's exception handling, outside the hooks",
        ),
        **dict.fromkeys(
            ("error.response-phase-raises", "error.response-phase-raises-http", "stream.response-phase-raises"),
            "a raising response phase ends the one composed after_request (Litestar has one per layer), so the "
            "phases after it never see the error response",
        ),
    }

    def chain(self, scenario: Scenario, recorder: Recorder) -> dict[str, Any]:
        chain = scenario.chain

        async def before_request(request: Request) -> Response | None:
            current_request.set(request)
            io = LitestarIO(_scope(request), http_error)
            if any(reads_body(p) for p in chain):
                io.loaded = await request.body()  # Litestar caches it for the handler
            for probe in chain:
                if probe.request is not None and (early := request_phase(probe, io, recorder.sink(io.headers))) is not None:
                    return early
            return None

        async def after_request(response: Response) -> Response:
            io = LitestarIO(_scope(current_request.get()), http_error)
            for probe in reversed(chain):
                if probe.response is not None:
                    replaced = response_phase(probe, io, recorder.sink(io.headers), response, response.status_code)
                    if replaced is not None:
                        return replaced
            return response

        return {"before_request": before_request, "after_request": after_request}


SUBJECTS = [LitestarSubject, LitestarController, LitestarHandler, LitestarHooks]
