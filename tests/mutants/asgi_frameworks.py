"""Broken middleware on real ASGI frameworks: bugs that only exist there, which the pipeline suite
must still catch. Appended to `tests/mutants/pipeline.py`'s MUTANTS (this module has no MUTANTS of
its own, so it is no area of its own: FRAMEWORK_MUTANTS)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware import Middleware
from starlette.middleware.base import RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount

from mwconform.adapters.asgi import ASGIApp, Message, Receive, Scope, Send
from mwconform.adapters.asgi_probe import Fail, ProbeASGI, ScopeIO, request_headers
from mwconform.adapters.base import Plug, Subject
from mwconform.adapters.starlette import ProbeDispatch, StarletteBaseHTTP, StarletteSubject, http_error
from mwconform.reference.probes import Recorder, reads_body, request_phase
from mwconform.reference.scenario import Group, Probe, Scenario


class PathPrefixChain:
    """A route-local layer as global middleware that checks `path.startswith(prefix)` (the usual
    answer to fastapi#1174 "middleware for some routes only"): it leaks to `/apiary` and to 404s."""

    def __init__(self, app: ASGIApp, prefix: str, probe: Probe, recorder: Recorder) -> None:
        self.app, self.prefix = app, prefix
        self.layer = ProbeASGI(app, probe, recorder, http_error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        inner = self.layer if scope["type"] == "http" and scope["path"].startswith(self.prefix) else self.app
        await inner(scope, receive, send)


class StarletteChainByPathPrefix(StarletteSubject):
    breaks = ("route.prefix-isolation",)
    name = "mutant/StarletteChainByPathPrefix"
    description = PathPrefixChain.__doc__
    known = {}

    def group(self, group: Group, recorder: Recorder, plug: Plug) -> BaseRoute:
        return Mount(group.prefix, routes=self.routes(group.routes, recorder, plug, prefix=group.prefix))

    def build_plugged(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> ASGIApp:
        app = super().build_plugged(scenario, recorder, plug)
        for group in scenario.groups:
            for probe in reversed(group.chain):
                app.add_middleware(PathPrefixChain, prefix=group.prefix, probe=probe, recorder=recorder)  # type: ignore[attr-defined]
        return app


class SwallowingDispatch(ProbeDispatch):
    """A `BaseHTTPMiddleware` that catches every exception from `call_next` and answers a 500
    itself, so outer layers see a response Starlette's own error handling would never show them."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        async def swallowing(req: Request) -> Response:
            try:
                return await call_next(req)
            except Exception:
                return PlainTextResponse("Internal Server Error", status_code=500)

        return await super().dispatch(request, swallowing)


class StarletteSwallowsInnerException(StarletteBaseHTTP):
    breaks = ("error.handler-crashes",)
    name = "mutant/StarletteSwallowsInnerException"
    description = SwallowingDispatch.__doc__

    def middleware(self, probe: Probe, recorder: Recorder) -> Middleware:
        return Middleware(SwallowingDispatch, probe=probe, recorder=recorder)


class FirstResponseChunkOnly:
    """Sits under a pure ASGI layer and passes it only the first `http.response.body` message, as
    the last one (a middleware that ignores `more_body`): a streamed body loses its tail."""
    breaks = ("stream.get-through-a-b-c", "stream.response-phases-add-headers")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        bodies = 0

        async def first_only(message: Message) -> None:
            nonlocal bodies
            if message["type"] == "http.response.body":
                bodies += 1
                if bodies > 1:
                    return
                message = {**message, "more_body": False}
            await send(message)

        await self.app(scope, receive, first_only)


class EmptyBodyAfterRead:
    """Under a layer that read the request body: the app gets an empty body in its place (a
    middleware that consumes `receive` and passes the app a fresh, empty one)."""
    breaks = ("body.form-read-by-a-then-by-handler",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def empty() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.app(scope, empty, send)


class FirstRequestChunkOnly(EmptyBodyAfterRead):
    """Under a layer that read the request body: the app gets only its first `http.request`
    message, marked as the last (a replay that ignores `more_body`): chunked uploads lose their tail."""
    breaks = ("body.chunked-read-by-a-and-c-then-by-handler",)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def first_only() -> Message:
            return {**await receive(), "more_body": False}

        await self.app(scope, first_only, send)


class HoldsResponseBack:
    """Holds the whole response until the app returns (a buffering middleware): the app's background
    tasks run before the client gets a byte."""
    breaks = ("background.task-after-get-through-a-b-c", "background.task-after-streamed-get-through-a-b-c")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        for message in held:
            await send(message)


class HttpOnlyProbe(ProbeASGI):
    """A pure ASGI layer that hands every scope but `http` to the app untouched, in a framework whose
    layers are declared to run on WebSocket upgrades: its auth never sees a socket."""
    breaks = ("websocket.upgrade-through-a-b-c",)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class UpgradeRefusalIgnored(ProbeASGI):
    """A pure ASGI layer whose request phase runs on a WebSocket upgrade but whose answer is dropped:
    the upgrade goes on to the app (an auth check that only refuses HTTP requests)."""
    breaks = ("websocket.b-refuses-upgrade-with-403",)

    async def upgrade(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.probe.request is not None:
            request_phase(self.probe, ScopeIO(scope, self.fail), self.recorder.sink(request_headers(scope)))
        await self.app(scope, receive, send)


def probe_over(inner: Callable[[ASGIApp], ASGIApp], only_reading: bool = False) -> type[ProbeASGI]:
    """A probe layer whose inner app is wrapped in `inner` (for every probe, or only probes that read the body)."""

    class Broken(ProbeASGI):
        def __init__(self, app: ASGIApp, probe: Probe, recorder: Recorder, fail: Fail) -> None:
            super().__init__(inner(app) if reads_body(probe) or not only_reading else app, probe, recorder, fail)

    return Broken


def over_socket(subject: type[Subject]) -> type[Subject]:
    """`subject` served over a socket only: whether a response reaches the client before its
    background task ends shows there only (httpx's in-process transport returns after the task)."""
    subject.modes = ("socket",)
    return subject


def broken_layers(bug: type, only_reading: bool = False) -> type[Subject]:
    """A `starlette/asgi` subject `mutant/Starlette<Bug>` whose pure ASGI layers carry `bug`."""
    return layered(probe_over(bug, only_reading), bug)


def layered(layer: type[ProbeASGI], bug: type) -> type[Subject]:
    """A `starlette/asgi` subject `mutant/Starlette<Bug>` whose pure ASGI layers are `layer`."""

    def middleware(self: StarletteSubject, probe: Probe, recorder: Recorder) -> Middleware:
        return Middleware(layer, probe=probe, recorder=recorder, fail=http_error)

    attrs = {"name": f"mutant/Starlette{bug.__name__}", "description": bug.__doc__, "breaks": getattr(bug, "breaks", ()), "middleware": middleware, "__module__": __name__}
    return type(f"Starlette{bug.__name__}", (StarletteSubject,), attrs)


FRAMEWORK_MUTANTS: list[type[Subject]] = [
    StarletteChainByPathPrefix,
    StarletteSwallowsInnerException,
    broken_layers(FirstResponseChunkOnly),
    broken_layers(EmptyBodyAfterRead, only_reading=True),
    broken_layers(FirstRequestChunkOnly, only_reading=True),
    over_socket(broken_layers(HoldsResponseBack)),
    layered(HttpOnlyProbe, HttpOnlyProbe),
    layered(UpgradeRefusalIgnored, UpgradeRefusalIgnored),
]
