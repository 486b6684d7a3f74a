"""Broken middleware on real ASGI frameworks: bugs that only exist there, which the pipeline suite
must still catch. Appended to `tests/mutants/pipeline.py`'s MUTANTS (this module has no MUTANTS of
its own, so it is no area of its own: FRAMEWORK_MUTANTS)."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.base import RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount

from mwconform.adapters.asgi import ASGIApp, Receive, Scope, Send
from mwconform.adapters.asgi_probe import ProbeASGI
from mwconform.adapters.base import Subject
from mwconform.adapters.starlette import ProbeDispatch, StarletteBaseHTTP, StarletteSubject, http_error
from mwconform.reference.probes import Recorder
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
    name = "mutant/StarletteChainByPathPrefix"
    description = PathPrefixChain.__doc__
    known = {}

    def group(self, group: Group, recorder: Recorder) -> BaseRoute:
        return Mount(group.prefix, routes=self.routes(group.routes, recorder))

    def build(self, scenario: Scenario, recorder: Recorder) -> ASGIApp:
        app = super().build(scenario, recorder)
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
    name = "mutant/StarletteSwallowsInnerException"
    description = SwallowingDispatch.__doc__

    def middleware(self, probe: Probe, recorder: Recorder) -> Middleware:
        return Middleware(SwallowingDispatch, probe=probe, recorder=recorder)


FRAMEWORK_MUTANTS: list[type[Subject]] = [StarletteChainByPathPrefix, StarletteSwallowsInnerException]
