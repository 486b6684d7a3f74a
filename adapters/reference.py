"""The reference pipeline as a subject, served by uvicorn over loopback or in-process via ASGI.

Graded like any framework, it checks the harness itself end to end, and it is the base the
self-tests plant bugs into (`tests/mutants/`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, ClassVar

import httpx

from ..reference.asgi import ASGIApp
from ..reference.http import Request
from ..reference.pipeline import Middleware, Pipeline
from ..reference.probes import Recorder, build_pipeline
from ..reference.scenario import Scenario
from .base import CAPABILITIES, ContractError, Framework, Plug, Subject, Target, describe, register_context
from .session import session_api

ALL = frozenset(CAPABILITIES) - {"server-store"}

register_context(Request, lambda request: request.ctx)


class ReferenceSubject(Framework):
    """The reference pipeline; as a framework for feature subjects it takes reference `Middleware`
    objects (`mwconform.reference.pipeline.Middleware`), the first one outermost."""

    adapter = "reference"
    capabilities = ALL
    modes = ("socket", "inprocess")
    packages: tuple[str, ...] = ("mwconform", "uvicorn")
    #: The pipeline class to serve; self-tests substitute broken ones.
    pipeline_class: ClassVar[type[Pipeline]] = Pipeline

    def pipeline(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> Pipeline:
        """The reference app for `scenario`, with the plug's layers in front of the chain."""
        plain = replace(scenario, routes=tuple(r for r in scenario.routes if r.handler.session is None))
        pipeline = build_pipeline(plain, self.profile, recorder, self.pipeline_class)
        chain, pipeline.middleware = pipeline.middleware, []
        self.install_layers(pipeline, plug)  # appends the plug's layers, which go outside the chain
        pipeline.middleware.extend(chain)
        for route in scenario.routes:
            if route.handler.session is not None:
                from ..reference.session_ops import reference_session_endpoint

                pipeline.route(route.method, route.path, reference_session_endpoint(route.handler, recorder, session_api(plug)))
        self.finish(pipeline, plug)
        return pipeline

    def add_layer(self, pipeline: Pipeline, layer: Any) -> None:
        if not isinstance(layer, Middleware):
            raise ContractError(f"{describe(layer)} is not a reference Middleware (mwconform.reference.pipeline.Middleware), Setup, Finish or Guard")
        pipeline.middleware.append(layer)

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        app = ASGIApp(self.pipeline(scenario, recorder, plug))
        if mode == "inprocess":
            yield Target("http://reference.test", httpx.ASGITransport(app=app, raise_app_exceptions=False))
            return
        import asyncio

        import uvicorn
        from uvicorn.server import ServerState

        from ..harness import free_socket

        # A header block up to 4 MB reaches the app (by default h11 refuses one still incomplete
        # past 16 KB and uvicorn drops the connection), so the reference middleware itself judges
        # the JWT suite's 1 MB token.
        config = uvicorn.Config(
            app, http="h11", lifespan="off", log_level="critical", access_log=False, h11_max_incomplete_event_size=4 * 1024 * 1024
        )
        config.load()
        state = ServerState()
        # uvicorn's own protocol on our socket; Server.serve()/shutdown() would add 0.1 s sleeps.
        protocol: Any = config.http_protocol_class  # typed as a bare asyncio.Protocol by uvicorn
        server = await asyncio.get_running_loop().create_server(lambda: protocol(config=config, server_state=state, app_state={}), sock=free_socket())
        try:
            yield Target(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        finally:
            server.close()
            for connection in list(state.connections):
                connection.shutdown()
            await server.wait_closed()


class ReferenceOnion(ReferenceSubject):
    name = "reference/onion"
    profile = "onion"
    description = "the reference pipeline under the onion profile (aiohttp, Starlette)"


class ReferenceHooks(ReferenceSubject):
    name = "reference/hooks"
    profile = "hooks"
    description = "the reference pipeline under the hooks profile (Sanic)"


SUBJECTS: list[type[Subject]] = [ReferenceOnion, ReferenceHooks]
