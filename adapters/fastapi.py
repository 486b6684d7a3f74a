"""FastAPI subjects: `@app.middleware("http")`, `app.add_middleware`, dependencies as route-local chains.

FastAPI builds Starlette's middleware stack, so both subjects declare the `starlette` profile.

- `fastapi/http-middleware`: one `@app.middleware("http")` function per probe (a
  `BaseHTTPMiddleware` underneath). FastAPI documents that each new middleware wraps the
  application, the last added outermost (FastAPI docs, Middleware, "Multiple middleware execution
  order"), so the chain is declared innermost first. FastAPI has no router-level middleware
  (fastapi#1174, #4437): no route-local chains.
- `fastapi/dependencies`: pure ASGI middleware through `app.add_middleware`; route-local chains as
  `APIRouter(prefix=..., dependencies=[Depends(...)])`. A dependency runs before the path
  operation and never sees its response, so only chains whose layers have a request phase alone
  can be expressed; any other group makes the case `n/a` with that reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware.base import RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from ..outcomes import NotApplicable
from ..reference.probes import Recorder, request_phase
from ..reference.scenario import Group, Probe, Respond, Scenario
from ..reference.scenario import Route as NeutralRoute
from .asgi import ASGIApp
from .asgi_probe import ProbeASGI
from .base import CAPABILITIES, Plug, Target
from .starlette import StarletteIO, StarletteSubject, by_path, dispatch_probe, endpoint, http_error, starlette_path, websocket_endpoint


class FastAPIHttpMiddleware(StarletteSubject):
    name = "fastapi/http-middleware"
    adapter = "fastapi"
    # `@app.middleware("http")` is a BaseHTTPMiddleware: WebSocket scopes pass it untouched.
    capabilities = StarletteSubject.capabilities - {"route-local", "websocket-middleware"}
    packages = ("fastapi", "starlette")
    description = "FastAPI `@app.middleware(\"http\")` functions (last declared outermost); no router-level middleware (fastapi#1174)"
    known = dict.fromkeys(
        ("head.get-route-through-a-b-c", "head.streamed-get-route-through-a-b-c"),
        "FastAPI's APIRoute, unlike Starlette's Route, does not add HEAD to a GET path operation: HEAD answers 405 "
        "(fastapi#1773, open since 2020; RFC 9110 §9.1)",
    )

    def declare(self, app: FastAPI, probe: Probe, recorder: Recorder) -> None:
        async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
            return await dispatch_probe(probe, recorder, request, call_next)

        app.middleware("http")(dispatch)

    def add_routes(self, router: FastAPI | APIRouter, routes: Sequence[NeutralRoute], recorder: Recorder, plug: Plug, prefix: str = "") -> None:
        for route in routes:
            if route.handler.websocket:
                router.add_api_websocket_route(starlette_path(route.path), websocket_endpoint(recorder))
        for path, same_path in by_path([r for r in routes if not r.handler.websocket]).items():
            handle = self.guard(plug, endpoint(same_path, recorder, plug), prefix + path)
            router.add_api_route(starlette_path(path), handle, methods=[r.method for r in same_path])

    def add_group(self, app: FastAPI, group: Group, recorder: Recorder, plug: Plug) -> None:
        raise NotApplicable("FastAPI has no router-level middleware (fastapi#1174)")

    def build_plugged(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> ASGIApp:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        self.add_routes(app, scenario.routes, recorder, plug)
        for group in scenario.groups:
            self.add_group(app, group, recorder, plug)
        for probe in reversed(scenario.chain):
            self.declare(app, probe, recorder)
        self.plug_in(app, plug)
        return app


class FastAPIDependencies(FastAPIHttpMiddleware):
    name = "fastapi/dependencies"
    capabilities = frozenset(CAPABILITIES) - {"priority", "rewrite-params"}
    # The properties suite draws route-local layers with response phases, which dependencies
    # cannot express; the pipeline suite's request-only route-local case grades them.
    suites = frozenset({"pipeline"})
    description = (
        "FastAPI pure ASGI middleware through `app.add_middleware` (last added outermost); route-local chains "
        "as `APIRouter(dependencies=[Depends(...)])`, request phases only"
    )

    def declare(self, app: FastAPI, probe: Probe, recorder: Recorder) -> None:
        app.add_middleware(ProbeASGI, probe=probe, recorder=recorder, fail=http_error)

    def add_group(self, app: FastAPI, group: Group, recorder: Recorder, plug: Plug) -> None:
        router = APIRouter(prefix=group.prefix, dependencies=[Depends(dependency(p, recorder)) for p in group.chain])
        self.add_routes(router, group.routes, recorder, plug, group.prefix)
        app.include_router(router)

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        inexpressible = [p.name for g in scenario.groups for p in g.chain if p.response is not None or p.convert is not None or isinstance(p.request, Respond)]
        if inexpressible:
            raise NotApplicable(
                f"route-local layer(s) {', '.join(inexpressible)} answer or have a response phase; a FastAPI dependency "
                "runs before the path operation, never sees its response and can only raise, not answer"
            )
        async with super().serve_plugged(scenario, recorder, mode, plug) as target:
            yield target


def dependency(probe: Probe, recorder: Recorder) -> Callable[[Request], Any]:
    """A probe's request phase (never an early answer: `serve` refuses those) as a FastAPI dependency."""

    async def depend(request: Request) -> None:
        request_phase(probe, StarletteIO(request), recorder.sink(request.headers))

    return depend


SUBJECTS = [FastAPIHttpMiddleware, FastAPIDependencies]
