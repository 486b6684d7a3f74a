"""Deliberately broken middleware pipelines: the pipeline suite must report `fail` for each.

Each mutant is the reference pipeline with one realistic bug planted (its docstring, one line),
served like any subject. `tests/test_mutation_score.py` (`bench/mutation_score.py`) checks that the suite
kills every mutant and that every case kills at least one.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from functools import partial
from typing import Any

from mwconform.adapters.asgi import ASGIApp, Message, Receive, Scope, Send, serve_asgi
from mwconform.adapters.base import Plug, Subject, Target
from mwconform.adapters.reference import ReferenceSubject
from mwconform.reference.asgi import ASGIApp as ReferenceASGI
from mwconform.reference.http import Headers, HTTPError, Request, Response, error_response
from mwconform.reference.pipeline import Endpoint, Hooks, Middleware, Onion, Pipeline, _Target
from mwconform.reference.probes import Recorder
from mwconform.reference.router import Match, Router
from mwconform.reference.scenario import Scenario
from tests.mutants.asgi_frameworks import FRAMEWORK_MUTANTS, over_socket


class ResponseInDeclaredOrder(Onion):
    """Response phases run in declared order instead of reverse (the docs bug of sanic#1046)."""
    breaks = ("order.headers-added-on-the-way-out", "context.100-concurrent-requests")

    async def run(self, request: Request, layers: Sequence[Middleware], endpoint: Endpoint) -> Response:
        for mw in layers:
            if (early := await mw.on_request(request)) is not None:
                return early
        response = await endpoint(request)
        for mw in layers:
            response = await mw.on_response(request, response) or response
        return response


class ChainReversed(Onion):
    """The chain is composed back to front: the last declared layer is outermost."""
    breaks = ("order.three-layers", "order.seed-003-route-chain", "order.seed-004-request-and-response-middleware", "context.visible-along-the-chain", "error.handler-crashes")

    async def run(self, request: Request, layers: Sequence[Middleware], endpoint: Endpoint) -> Response:
        return await super().run(request, list(reversed(layers)), endpoint)


class ResponsePhaseTwice(Onion):
    """Each layer's response phase runs twice."""
    breaks = ("body.form-read-by-a-then-by-handler",)

    def layer(self, mw: Middleware, inner: Endpoint) -> Endpoint:
        once = super().layer(mw, inner)

        async def twice(request: Request) -> Response:
            response = await once(request)
            return await mw.on_response(request, response) or response

        return twice


class ShortCircuitCallsHandler(Onion):
    """An early response is sent, but the inner layers and the handler still run."""
    breaks = ("short-circuit.request.A", "short-circuit.request.B", "short-circuit.request.C", "short-circuit.seed-004-halt-request")

    def layer(self, mw: Middleware, inner: Endpoint) -> Endpoint:
        return partial(self.enter, mw, inner)

    async def enter(self, mw: Middleware, inner: Endpoint, request: Request) -> Response:
        if (early := await mw.on_request(request)) is not None:
            try:
                await inner(request)
            except Exception:
                pass
            return early
        return await self.wrap(mw, request, inner)

    async def wrap(self, mw: Middleware, request: Request, inner: Endpoint) -> Response:
        try:
            response = await inner(request)
        except Exception as exc:
            if (converted := await mw.on_error(request, exc)) is None:
                raise
            return converted
        return await mw.on_response(request, response) or response


class ShortCircuitIgnored(ShortCircuitCallsHandler):
    """A layer's early response is dropped and the request goes on to the handler."""
    breaks = ("short-circuit.seed-004-halt-request",)

    async def enter(self, mw: Middleware, inner: Endpoint, request: Request) -> Response:
        await mw.on_request(request)
        return await self.wrap(mw, request, inner)


class ConversionIgnored(ShortCircuitCallsHandler):
    """A converting layer's error phase is never called; errors pass straight out."""
    breaks = ("error.inner-layer-converts-404", "error.outer-layer-converts-crash")

    async def wrap(self, mw: Middleware, request: Request, inner: Endpoint) -> Response:
        response = await inner(request)
        return await mw.on_response(request, response) or response


class ReplacementIgnored(ShortCircuitCallsHandler):
    """A response phase's replacement is dropped; the response it was handed is sent."""
    breaks = ("short-circuit.seed-004-halt-response",)

    async def wrap(self, mw: Middleware, request: Request, inner: Endpoint) -> Response:
        response = await inner(request)
        await mw.on_response(request, response)
        return response


class ResponseRaiseSwallowed(ShortCircuitCallsHandler):
    """An exception in a response phase is swallowed and the old response sent (sanic#1928)."""
    breaks = ("short-circuit.seed-004-halt-request",)

    async def wrap(self, mw: Middleware, request: Request, inner: Endpoint) -> Response:
        response = await inner(request)
        try:
            return await mw.on_response(request, response) or response
        except Exception:
            return response


class StreamedSkipsResponsePhases(Onion):
    """Response phases are skipped for a streamed response, taken as already sent."""
    breaks = ("stream.inner-layer-replaces-streamed-response",)

    def layer(self, mw: Middleware, inner: Endpoint) -> Endpoint:
        return super().layer(_SkipsStreamed(mw), inner)


class _SkipsStreamed(Middleware):
    def __init__(self, mw: Middleware) -> None:
        self.mw, self.name, self.priority = mw, mw.name, mw.priority

    async def on_request(self, request: Request) -> Response | None:
        return await self.mw.on_request(request)

    async def on_response(self, request: Request, response: Response) -> Response | None:
        return None if response.streamed else await self.mw.on_response(request, response)

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return await self.mw.on_error(request, error)


class StreamedRaiseSwallowed(Onion):
    """An exception in a response phase is swallowed for a streamed response, its headers taken as already sent."""
    breaks = ("stream.response-phase-raises",)

    def layer(self, mw: Middleware, inner: Endpoint) -> Endpoint:
        return super().layer(_SwallowsOnStreamed(mw), inner)


class _SwallowsOnStreamed(_SkipsStreamed):
    async def on_response(self, request: Request, response: Response) -> Response | None:
        try:
            return await self.mw.on_response(request, response)
        except Exception:
            if response.streamed:
                return None
            raise


async def _after_body(more: AsyncGenerator[bytes, None], after: Callable[[], Awaitable[object]]) -> AsyncGenerator[bytes, None]:
    """`more`, then `after()` once its last piece is sent: not in a `finally`, so a stream closed
    early (the client left) skips it."""
    async with aclosing(more):
        async for piece in more:
            yield piece
    await after()


class CleanupAfterBody(Onion):
    """A layer's cleanup waits for a streamed body to be sent in full (code after the body's last
    piece, not in a `finally`): a client that leaves mid-stream skips it."""
    breaks = ("stream.client-leaves-after-first-piece",)

    def layer(self, mw: Middleware, inner: Endpoint) -> Endpoint:
        async def around(request: Request) -> Response:
            async def finish() -> None:
                mw.on_finish(request)

            if (early := await mw.on_request(request)) is not None:
                await finish()
                return early
            try:
                response = await inner(request)
            except Exception as exc:
                await finish()
                if (converted := await mw.on_error(request, exc)) is None:
                    raise
                return converted
            response = await mw.on_response(request, response) or response
            if response.more is None:
                await finish()
            else:
                response.more = _after_body(response.more, finish)
            return response

        return around


class HooksAfterBody(Hooks):
    """Response hooks of a streamed response run once its body has been sent in full (as
    after-send callbacks): a client that leaves mid-stream skips them all."""
    breaks = ("stream.client-leaves-after-first-piece",)

    async def response_phase(self, request: Request, ordered: Sequence[Middleware], response: Response) -> Response:
        if response.more is None:
            return await super().response_phase(request, ordered, response)

        async def hooks() -> None:
            await super(HooksAfterBody, self).response_phase(request, ordered, response)

        response.more = _after_body(response.more, hooks)
        return response


class ErrorsBecome500(Onion):
    """Every error, HTTP errors included, reaches the client as 500."""
    breaks = ("error.handler-raises-http-404",)

    async def run(self, request: Request, layers: Sequence[Middleware], endpoint: Endpoint) -> Response:
        response = await super().run(request, layers, endpoint)
        return Response(500, response.headers, None) if response.status >= 400 else response


class RaisingHookRerun(Hooks):
    """A request hook that raises is run a second time (sanic#2351)."""
    breaks = ("error.middleware-crashes", "error.middleware-raises-http-409")

    async def request_phase(self, request: Request, ordered: Sequence[Middleware]) -> Response | None:
        for mw in ordered:
            try:
                response = await mw.on_request(request)
            except Exception as exc:
                try:
                    await mw.on_request(request)
                except Exception:
                    pass
                return error_response(exc)
            if response is not None:
                return response
        return None


class EarlyResponseSkipsHooks(Hooks):
    """After an early response no response hook runs (onion behaviour under a hooks profile)."""
    breaks = ("error.handler-crashes",)

    async def run(self, request: Request, layers: Sequence[Middleware], endpoint: Endpoint) -> Response:
        ordered = self.order(layers)
        if (early := await self.request_phase(request, ordered)) is not None:
            return early
        try:
            response = await endpoint(request)
        except Exception as exc:
            return error_response(exc)
        return await self.response_phase(request, ordered, response)


class ReplacementDoesNotStop(Hooks):
    """A response hook's replacement does not stop the remaining hooks."""
    breaks = ("error.response-phase-raises", "error.response-phase-raises-http", "short-circuit.response.replace")

    async def response_phase(self, request: Request, ordered: Sequence[Middleware], response: Response) -> Response:
        for mw in reversed(ordered):
            response = await mw.on_response(request, response) or response
        return response


class PriorityIgnored(Hooks):
    """`priority` is ignored: hooks run in declared order."""
    breaks = ("order.equal-priority-keeps-declaration", "order.priority-overrides-declaration")

    def order(self, layers: Sequence[Middleware]) -> list[Middleware]:
        return list(layers)


class PriorityTieReversed(Hooks):
    """Equal priorities run in reverse declared order (an unstable sort)."""
    breaks = ("error.handler-crashes",)

    def order(self, layers: Sequence[Middleware]) -> list[Middleware]:
        return sorted(reversed(list(layers)), key=lambda mw: -mw.priority)


class _RecordsChains(Pipeline):
    def __init__(self, profile: str | Onion | Hooks = "onion", middleware: Sequence[Middleware] = ()) -> None:
        super().__init__(profile, middleware)
        self.chains: list[tuple[str, tuple[Middleware, ...]]] = []

    def route(self, method: str, path: str, endpoint: Endpoint, chain: Sequence[Middleware] = ()) -> None:
        super().route(method, path, endpoint, chain)
        if chain:
            self.chains.append((path.rsplit("/", 1)[0], tuple(chain)))  # "/api/x" → "/api"


class LocalChainLeaks(_RecordsChains):
    """Route-local middleware runs for every route (sanic#1681)."""
    breaks = ("route.prefix-isolation",)

    def layers(self, target: _Target | None) -> list[Middleware]:
        return [*self.middleware, *dict.fromkeys(mw for _, chain in self.chains for mw in chain)]


class PrefixAsString(_RecordsChains):
    """A group's chain runs for every path starting with its prefix string (`/api` catches `/apiary`)."""
    breaks = ("route.404-under-group-prefix", "route.prefix-isolation")

    async def handle(self, request: Request) -> Response:
        self.path = request.path
        return await super().handle(request)

    def layers(self, target: _Target | None) -> list[Middleware]:
        by_prefix = [mw for prefix, chain in self.chains if self.path.startswith(prefix) for mw in chain]
        return [*self.middleware, *dict.fromkeys([*by_prefix, *(target.chain if target else ())])]


class LocalChainOutsideGlobal(Pipeline):
    """Route-local middleware wraps the global chain instead of running inside it."""
    breaks = ("order.global-wraps-route-local", "route.local-chain-stays-local", "route.request-only-chain", "route.two-groups")

    def layers(self, target: _Target | None) -> list[Middleware]:
        return [*(target.chain if target else ()), *self.middleware]


class HeadBypassesChain(Pipeline):
    """HEAD is answered straight from the GET route's handler, without the chain (a router shortcut)."""
    breaks = ("head.get-route-through-a-b-c",)

    async def handle(self, request: Request) -> Response:
        if request.method != "HEAD":
            return await super().handle(request)
        try:
            match = self.router.match(request.method, request.path)
        except HTTPError as exc:
            return error_response(exc)
        response = await match.target.endpoint(request)
        response.body = b""
        return response


class _DeclaredMethodsOnly(Router[_Target]):
    def match(self, method: str, path: str) -> Match[_Target]:
        found = super().match(method, path)
        if method.upper() == "HEAD" and not any(m == "HEAD" and p.fullmatch(path) for m, p, _ in self._routes):
            raise HTTPError(405, Headers([("Allow", "GET")]))
        return found


class HeadNotRouted(Pipeline):
    """HEAD reaches only routes declared for HEAD: a GET route answers 405 (RFC 9110 §9.1)."""
    breaks = ("head.get-route-through-a-b-c", "head.streamed-get-route-through-a-b-c")

    def __init__(self, profile: str | Onion | Hooks = "onion", middleware: Sequence[Middleware] = ()) -> None:
        super().__init__(profile, middleware)
        self.router = _DeclaredMethodsOnly()


class GlobalSkippedOn404(Pipeline):
    """Unmatched routes answer 404 before any middleware runs."""
    breaks = ("head.unmatched-path-through-a-b-c", "routing.404-through-global-chain")

    async def handle(self, request: Request) -> Response:
        try:
            self.router.match(request.method, request.path)
        except HTTPError as exc:
            if exc.status == 404:
                return error_response(exc)
        return await super().handle(request)


class NoAllowOn405(Pipeline):
    """A wrong method answers 405 without an Allow header."""
    breaks = ("route.405-under-group-prefix", "routing.405-with-allow")

    async def handle(self, request: Request) -> Response:
        response = await super().handle(request)
        response.headers.remove("Allow")
        return response


class SharedContext(Pipeline):
    """The request context is one dict shared by every request (module-level state)."""
    breaks = ("context.100-concurrent-requests",)

    shared: dict[str, object] = {}

    async def handle(self, request: Request) -> Response:
        request.ctx = self.shared
        return await super().handle(request)


class RewriteLost(Pipeline):
    """Route parameters reach the handler as captured at routing; middleware rewrites are lost."""
    breaks = ("context.seed-004-slug-rewrite",)

    async def handle(self, request: Request) -> Response:
        try:
            match = self.router.match(request.method, request.path)
        except HTTPError:
            return await super().handle(request)
        captured, endpoint = dict(match.params), match.target.endpoint

        async def with_captured(req: Request) -> Response:
            req.match_info = dict(captured)
            return await endpoint(req)

        request.match_info = dict(captured)
        return await self.profile.run(request, self.layers(match.target), with_captured)


class HooksAfterUpgrade(Hooks):
    """Response hooks run on a completed WebSocket handshake too, as if the 101 were an HTTP response."""
    breaks = ("websocket.upgrade-through-a-b-c",)

    def upgraded(self, response: Response) -> bool:
        return False


class BackgroundBeforeResponse(Pipeline):
    """A response's background task runs before the response is sent, not after."""
    breaks = ("background.task-after-get-through-a-b-c", "background.task-after-streamed-get-through-a-b-c")

    async def handle(self, request: Request) -> Response:
        response = await super().handle(request)
        if response.background is not None:
            await response.background()
            response.background = None
        return response


def _profiled(profile: type[Onion | Hooks]) -> type[Pipeline]:
    class Profiled(Pipeline):
        def __init__(self, _: str, middleware: Sequence[Middleware] = ()) -> None:
            super().__init__(profile(), middleware)

    return Profiled


#: The modes of a mutant whose bug shows only when a client leaves mid-response, which needs a socket.
SOCKET = ("socket",)


def mutant(bug: type, profile: str, modes: tuple[str, ...] = ReferenceSubject.modes) -> type[ReferenceSubject]:
    """A subject `mutant/<Bug>` serving the reference with `bug` planted, under `profile`."""
    pipeline = _profiled(bug) if issubclass(bug, (Onion, Hooks)) else bug
    attrs = {"name": f"mutant/{bug.__name__}", "profile": profile, "pipeline_class": pipeline, "description": bug.__doc__, "breaks": getattr(bug, "breaks", ()), "modes": modes, "__module__": bug.__module__}
    return type(bug.__name__ + "Subject", (ReferenceSubject,), attrs)


class BreakerTripsOnDeparture:
    """A circuit breaker in front of the app counts a response the app stopped writing (because the
    client left, as ASGI allows) as a server failure, and answers 503 to every request after it."""
    breaks = ("stream.client-leaves-after-first-piece",)

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.tripped = app, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.tripped:
            await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"circuit open"})
            return
        ended = False

        async def watched(message: Message) -> None:
            nonlocal ended
            ended = ended or (message["type"] == "http.response.body" and not message.get("more_body", False))
            await send(message)

        await self.app(scope, receive, watched)
        self.tripped = self.tripped or not ended


def wrapped(layer: Callable[[ASGIApp], ASGIApp], profile: str) -> type[ReferenceSubject]:
    """A subject `mutant/<Layer>` serving the reference behind the broken ASGI `layer`."""

    @asynccontextmanager
    async def serve_plugged(self: ReferenceSubject, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        app: Any = ReferenceASGI(self.pipeline(scenario, recorder, plug))
        async with serve_asgi(layer(app), mode, "reference.test") as target:
            yield target

    name = getattr(layer, "__name__", type(layer).__name__)
    attrs = {"name": f"mutant/{name}", "profile": profile, "description": layer.__doc__, "breaks": getattr(layer, "breaks", ()), "serve_plugged": serve_plugged, "modes": SOCKET, "__module__": __name__}
    return type(name + "Subject", (ReferenceSubject,), attrs)


MUTANTS: list[type[Subject]] = [
    mutant(ResponseInDeclaredOrder, "onion"),
    mutant(ChainReversed, "onion"),
    mutant(ResponsePhaseTwice, "onion"),
    mutant(ShortCircuitCallsHandler, "onion"),
    mutant(ShortCircuitIgnored, "onion"),
    mutant(ConversionIgnored, "onion"),
    mutant(ReplacementIgnored, "onion"),
    mutant(ResponseRaiseSwallowed, "onion"),
    mutant(ErrorsBecome500, "onion"),
    mutant(RaisingHookRerun, "hooks"),
    mutant(EarlyResponseSkipsHooks, "hooks"),
    mutant(ReplacementDoesNotStop, "hooks"),
    mutant(PriorityIgnored, "hooks"),
    mutant(PriorityTieReversed, "hooks"),
    mutant(LocalChainLeaks, "onion"),
    mutant(PrefixAsString, "onion"),
    mutant(LocalChainOutsideGlobal, "hooks"),
    mutant(GlobalSkippedOn404, "hooks"),
    mutant(NoAllowOn405, "onion"),
    mutant(SharedContext, "onion"),
    mutant(RewriteLost, "onion"),
    mutant(StreamedSkipsResponsePhases, "onion"),
    mutant(StreamedRaiseSwallowed, "onion"),
    mutant(HeadBypassesChain, "hooks"),
    mutant(HeadNotRouted, "onion"),
    mutant(CleanupAfterBody, "onion", SOCKET),
    mutant(HooksAfterBody, "hooks", SOCKET),
    wrapped(BreakerTripsOnDeparture, "onion"),
    mutant(HooksAfterUpgrade, "hooks"),
    over_socket(mutant(BackgroundBeforeResponse, "starlette")),
    *FRAMEWORK_MUTANTS,  # on real Starlette
]
globals().update({m.__name__: m for m in MUTANTS})
