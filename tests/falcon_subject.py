"""A user's own ASGI framework graded through `AsgiSubject`: Falcon's ASGI app, the worked example
of docs/driving-asgi.md ("Grading any ASGI app").

Falcon middleware is a component with `process_request` (before routing, in list order) and
`process_response` (in reverse order, for every component, even after a short-circuit or an
error: `independent_middleware=True`, the default). That is the `hooks` profile. A component
cannot stop the remaining `process_response` methods, so replacing a response is not expressible
(`response-replace`, `error-conversion`); route parameters exist only after `process_request`
(`rewrite-params`); route-local chains would be `@falcon.before` / `@falcon.after` hooks, which
this example leaves out (`route-local`). Cases needing those are `n/a`.

    pytest --pyargs mwconform.suites.pipeline --mwc-subject tests.falcon_subject:FalconComponents
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi

from mwconform.adapters.asgi import ASGIApp, AsgiSubject
from mwconform.adapters.base import CAPABILITIES
from mwconform.reference.probes import Recorder, echo_body, handler_phase, reads_body, request_phase, response_phase, trickled
from mwconform.reference.router import PATH_PARAM
from mwconform.reference.scenario import Probe, Scenario


class FalconIO:
    """The few things a probe does, spelled in Falcon: the response is the `resp` being built."""

    def __init__(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self.req, self.resp = req, resp
        self.loaded = b""  # the request body, when a component read it first

    def body(self) -> bytes:
        return self.loaded

    def context(self) -> dict[str, Any]:
        if not hasattr(self.req.context, "mwc"):
            self.req.context.mwc = {}
        return self.req.context.mwc

    def header(self, name: str) -> str | None:
        return self.req.get_header(name)

    def ctx_get(self, key: str) -> str | None:
        return self.context().get(key)

    def ctx_set(self, key: str, value: str) -> None:
        self.context()[key] = value

    def rewrite(self, param: str, transform: Callable[[str], str]) -> None:
        raise RuntimeError("Falcon routes after process_request: there are no route parameters to rewrite yet")

    def respond(self, status: int, body: str) -> falcon.asgi.Response:
        self.resp.status, self.resp.text, self.resp.content_type = status, body, falcon.MEDIA_TEXT
        self.resp.complete = True  # Falcon's short-circuit: skip later process_request and the responder
        return self.resp

    def add_header(self, response: falcon.asgi.Response, name: str, value: str) -> None:
        response.append_header(name, value)

    def fail(self, status: int | None, headers: tuple[tuple[str, str], ...] = ()) -> Exception:
        return falcon.HTTPError(status, headers=dict(headers) or None) if status is not None else RuntimeError("raised because the scenario asked for it")


class ProbeComponent:
    """One probe as a Falcon middleware component."""

    def __init__(self, probe: Probe, recorder: Recorder) -> None:
        self.probe, self.recorder = probe, recorder

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        if self.probe.request is not None:
            io = FalconIO(req, resp)
            if reads_body(self.probe):
                io.loaded = await req.stream.read()
            request_phase(self.probe, io, self.recorder.sink(req.headers))

    async def process_response(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: object, req_succeeded: bool) -> None:
        if self.probe.response is not None:
            response_phase(self.probe, FalconIO(req, resp), self.recorder.sink(req.headers), resp, falcon.http_status_to_code(resp.status))


class FalconComponents(AsgiSubject):
    name = "falcon/components"
    adapter = "falcon"
    profile = "hooks"
    capabilities = frozenset(CAPABILITIES) - {"priority", "response-replace", "error-conversion", "rewrite-params", "route-local", "background-tasks", "websocket", "websocket-middleware"}
    packages = ("falcon",)
    description = "Falcon ASGI middleware components (`process_request` / `process_response`), through AsgiSubject"
    known = {
        **dict.fromkeys(
            ("error.response-phase-raises", "error.response-phase-raises-http"),
            "Falcon renders the error raised in process_response into the same resp, so the headers the "
            "inner components already set on the response being replaced (C's x-mw) reach the client",
        ),
        **dict.fromkeys(
            ("head.get-route-through-a-b-c", "head.streamed-get-route-through-a-b-c"),
            "Falcon routes HEAD to a resource's on_head responder only: a resource with on_get alone answers 405 (RFC 9110 §9.1)",
        ),
        **dict.fromkeys(
            ("body.form-read-by-a-then-by-handler", "body.chunked-read-by-a-and-c-then-by-handler"),
            "Falcon's ASGI req.stream is read once (falcon.asgi.BoundedStream: 'If the request body is empty or has already "
            "been consumed, the iteration will immediately stop'): a component that reads it leaves the responder no body "
            "unless it keeps the bytes itself (get_media() caches parsed media only)",
        ),
    }

    def build(self, scenario: Scenario, recorder: Recorder) -> ASGIApp:
        app = falcon.asgi.App(middleware=[ProbeComponent(p, recorder) for p in scenario.chain])
        resources: dict[str, dict[str, Any]] = {}
        for route in scenario.routes:
            resources.setdefault(route.path, {})[f"on_{route.method.lower()}"] = responder(route.handler, recorder)
        for path, responders in resources.items():
            # Falcon fields take a converter name, never a regex: `{slug:regex}` routes as `{slug}`.
            app.add_route(PATH_PARAM.sub(lambda m: f"{{{m.group(1)}}}", path), type("Resource", (), responders)())
        return app


def responder(handler: Any, recorder: Recorder) -> Callable[..., Any]:
    async def respond(self: object, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: str) -> None:
        io = FalconIO(req, resp)
        await handler_phase(handler, io, recorder.sink(req.headers))
        body = echo_body(params, io.context(), await req.stream.read() if handler.read_body else None)
        resp.status, resp.content_type = handler.status, falcon.MEDIA_JSON
        if handler.stream and handler.trickle:
            resp.stream = trickled(recorder.sink(req.headers), body)  # Falcon iterates it after process_response
        else:
            resp.data = body
        for name, value in handler.headers:
            resp.append_header(name, value)

    return respond
