"""The reference middleware pipeline: global and route-local chains under a named profile.

A middleware is an object with up to three phases (see `Middleware`). The *profile* decides how
phases compose, because frameworks legitimately differ (SPEC.md, `pipeline.profile.*`):

- `onion` (aiohttp, Starlette): each layer wraps the next. A short-circuit returns at once, so
  only layers already entered see the response; an exception travels outward through the layers,
  skipping their response phase unless a layer's error phase converts it.
- `hooks` (Sanic): request phases run in order until one answers or raises; then *every* response
  phase of the route's layers runs in reverse order, on normal, early and error responses alike,
  until one of them returns a replacement, which stops the rest.
- `starlette` (Starlette, FastAPI): the onion inside the layers the framework owns and the user
  cannot move: `ServerErrorMiddleware` outermost turns whatever escapes into a 500 (HTTP errors
  included), `ExceptionMiddleware` around the router and the per-endpoint wrapper of
  `request_response` turn HTTP errors raised inside them into responses, which user middleware
  then sees as responses.
- `litestar` (Litestar): the onion with the framework's exception handling inside every user
  layer, around the route handler: whatever the handler raises (an HTTP error or a crash) is
  already a response when the innermost layer sees it; what a layer raises travels outward and
  keeps its HTTP status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from .http import Headers, HTTPError, Request, Response, error_response
from .router import Router

Endpoint = Callable[[Request], Awaitable[Response]]


class Middleware:
    """Base class: every phase is optional and defaults to "do nothing".

    `on_request` may return a response (a short-circuit) or raise; `on_response` may return a
    replacement; `on_error` (onion only) may turn an exception raised inside into a response;
    `on_finish` (onion only) runs when the layer is done with the request, however it ended (the
    layer's `finally`).
    `priority` orders hooks: higher runs earlier in the request phase (Sanic `priority=`).
    """

    name = ""
    priority = 0

    async def on_request(self, request: Request) -> Response | None:
        return None

    async def on_response(self, request: Request, response: Response) -> Response | None:
        return None

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return None

    def on_finish(self, request: Request) -> None:
        return None


class _Stack:
    def stack(self, global_chain: Sequence[Middleware], local_chain: Sequence[Middleware]) -> list[Middleware]:
        """The layers a matched request runs through: the global chain, then the route-local one."""
        return [*global_chain, *local_chain]


class Onion(_Stack):
    name = "onion"

    def __init__(self) -> None:
        self._chains: dict[Endpoint, tuple[tuple[Middleware, ...], Endpoint]] = {}

    async def run(self, request: Request, layers: Sequence[Middleware], endpoint: Endpoint) -> Response:
        # The chain around each endpoint is composed once and reused while its layers stay the
        # same: composing it on every request cost more than running it (bench/pipeline.py).
        # Emptied when full, as each routing failure brings a fresh endpoint.
        layers = tuple(layers)
        try:
            cached = self._chains.get(endpoint)
        except TypeError:  # an unhashable endpoint: compose afresh every time
            cached = None
        if cached is not None and cached[0] == layers:
            chain = cached[1]
        else:
            chain = self.compose(layers, endpoint)
            if len(self._chains) >= 64:
                self._chains.clear()
            try:
                self._chains[endpoint] = (layers, chain)
            except TypeError:
                pass
        try:
            return await chain(request)
        except Exception as exc:  # the framework's last-resort handler, outside every layer
            return error_response(exc)

    def compose(self, layers: Sequence[Middleware], endpoint: Endpoint) -> Endpoint:
        """The chain as one endpoint, built inside out."""
        inner = endpoint
        for mw in reversed(layers):
            inner = self.layer(mw, inner)
        return inner

    def layer(self, mw: Middleware, inner: Endpoint) -> Endpoint:
        """Layer `mw` around `inner`, as an endpoint (a closure: the cheapest call Python has)."""

        async def around(request: Request) -> Response:
            early = await mw.on_request(request)
            if early is not None:
                return early
            try:
                response = await inner(request)
            except Exception as exc:
                converted = await mw.on_error(request, exc)
                if converted is None:
                    raise
                return converted
            return await mw.on_response(request, response) or response

        if type(mw).on_finish is Middleware.on_finish:
            return around  # nothing to finish: the call per layer and request is saved (bench/pipeline.py)

        async def finishing(request: Request) -> Response:
            try:
                return await around(request)
            finally:
                mw.on_finish(request)

        return finishing


class Hooks(_Stack):
    name = "hooks"

    def order(self, layers: Sequence[Middleware]) -> list[Middleware]:
        # sorted() is stable, so equal priorities keep their declared order.
        return sorted(layers, key=lambda mw: -mw.priority)

    async def run(self, request: Request, layers: Sequence[Middleware], endpoint: Endpoint) -> Response:
        ordered = self.order(layers)
        response = await self.request_phase(request, ordered)
        if response is None:
            try:
                response = await endpoint(request)
            except Exception as exc:
                response = error_response(exc)
            if self.upgraded(response):
                return response
        return await self.response_phase(request, ordered, response)

    def upgraded(self, response: Response) -> bool:
        """A completed WebSocket handshake: the endpoint sent no HTTP response, so no response hook
        runs (Sanic runs response middleware only on an HTTP response: SPEC pipeline.websocket.upgrade).
        A refused upgrade is an HTTP response like any other."""
        return response.status == 101

    async def request_phase(self, request: Request, ordered: Sequence[Middleware]) -> Response | None:
        """Request hooks in order until one answers or raises: that response, or None."""
        for mw in ordered:
            try:
                response = await mw.on_request(request)
            except Exception as exc:
                return error_response(exc)
            if response is not None:
                return response
        return None

    async def response_phase(self, request: Request, ordered: Sequence[Middleware], response: Response) -> Response:
        """Every response hook in reverse order, until one returns a replacement."""
        for mw in reversed(ordered):
            try:
                replaced = await mw.on_response(request, response)
            except Exception as exc:
                # SPEC pipeline.error.response-phase-raises: fail closed. The remaining hooks see
                # the error response; the response the failing hook was handed is never sent.
                response = error_response(exc)
                continue
            if replaced is not None:
                return replaced
        return response


class HttpErrorsToResponses(Middleware):
    """Starlette's `ExceptionMiddleware` (around the router) and `request_response`'s wrapper
    (around each endpoint): an HTTP error raised inside becomes its error response."""

    name = "(framework: HTTP errors to responses)"

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return error_response(error) if isinstance(error, HTTPError) else None


class ServerErrors(Middleware):
    """Starlette's `ServerErrorMiddleware`, outermost: any exception that escapes, an HTTP error
    raised by global user middleware included, becomes a 500 no user middleware sees."""

    name = "(framework: server errors)"

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return Response(500, Headers(), None)


class Starlette(Onion):
    """The onion inside Starlette's own layers (`Starlette.build_middleware_stack`)."""

    name = "starlette"
    _server_errors, _http_errors = ServerErrors(), HttpErrorsToResponses()

    def stack(self, global_chain: Sequence[Middleware], local_chain: Sequence[Middleware]) -> list[Middleware]:
        return [self._server_errors, *global_chain, self._http_errors, *local_chain, self._http_errors]


class ErrorsToResponses(Middleware):
    """Litestar's exception handling around each route handler: any exception raised by the
    handler becomes its error response (the HTTP status, or 500) before user middleware sees it."""

    name = "(framework: handler errors to responses)"

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return error_response(error)


class Litestar(Onion):
    """The onion around Litestar's per-route exception handling (`litestar.routes.http`)."""

    name = "litestar"
    _handler_errors = ErrorsToResponses()

    def stack(self, global_chain: Sequence[Middleware], local_chain: Sequence[Middleware]) -> list[Middleware]:
        return [*global_chain, *local_chain, self._handler_errors]


Profile = Onion | Hooks
PROFILES: dict[str, type[Profile]] = {"onion": Onion, "hooks": Hooks, "starlette": Starlette, "litestar": Litestar}


@dataclass
class _Target:
    endpoint: Endpoint
    chain: tuple[Middleware, ...]


class Pipeline:
    """An app: routes, a global chain and route-local chains, run under one profile.

    Routing happens first (as in aiohttp and Sanic), so a 404 or 405 still runs the global chain;
    a route-local chain runs only for a matched route of its own (SPEC `pipeline.route.*`).
    """

    def __init__(self, profile: str | Profile = "onion", middleware: Sequence[Middleware] = ()) -> None:
        if isinstance(profile, str):
            if profile not in PROFILES:
                raise ValueError(f"unknown profile {profile!r}; accepted: {', '.join(PROFILES)}")
            profile = PROFILES[profile]()
        self.profile = profile
        self.middleware = list(middleware)
        self.router: Router[_Target] = Router()

    def route(self, method: str, path: str, endpoint: Endpoint, chain: Sequence[Middleware] = ()) -> None:
        self.router.add(method, path, _Target(endpoint, tuple(chain)))

    async def handle(self, request: Request) -> Response:
        response = await self.dispatch(request)
        if request.method.upper() == "HEAD":
            # RFC 9110 §9.3.2: every layer saw GET's response; the client gets it without content.
            response.body = b""
        return response

    async def dispatch(self, request: Request) -> Response:
        try:
            match = self.router.match(request.method, request.path)
        except Exception as routing_error:
            failure = routing_error  # bound here: the name is cleared when the except block ends

            async def fail(_: Request) -> Response:
                raise failure

            return await self.profile.run(request, self.layers(None), fail)
        request.match_info = match.params
        return await self.profile.run(request, self.layers(match.target), match.target.endpoint)

    def layers(self, target: _Target | None) -> list[Middleware]:
        """The chain for a request: the global one, then the matched route's own (if any), with
        whatever layers the profile's framework owns around them."""
        return self.profile.stack(self.middleware, target.chain if target else ())
