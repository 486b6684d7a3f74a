"""The reference pipeline as a subject, served by uvicorn over loopback or in-process via ASGI.

Graded like any framework, it checks the harness itself end to end, and it is the base the
self-tests plant bugs into (`tests/mutants/`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

import httpx

from ..reference.asgi import ASGIApp
from ..reference.pipeline import Pipeline
from ..reference.probes import Recorder, build_pipeline
from ..reference.scenario import Scenario
from .base import CAPABILITIES, Subject, Target

ALL = frozenset(CAPABILITIES)


class ReferenceSubject(Subject):
    adapter = "reference"
    capabilities = ALL
    modes = ("socket", "inprocess")
    packages = ("mwconform", "uvicorn")
    #: The pipeline class to serve; self-tests substitute broken ones.
    pipeline_class: ClassVar[type[Pipeline]] = Pipeline

    def pipeline(self, scenario: Scenario, recorder: Recorder) -> Pipeline:
        """The reference app for `scenario`, with whatever layers `install_outer` adds in front."""
        pipeline = build_pipeline(scenario, self.profile, recorder, self.pipeline_class)
        self.install_outer(pipeline, scenario, recorder)
        return pipeline

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        app = ASGIApp(self.pipeline(scenario, recorder))
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
        server = await asyncio.get_running_loop().create_server(
            lambda: config.http_protocol_class(config=config, server_state=state, app_state={}), sock=free_socket()
        )
        try:
            yield Target(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        finally:
            server.close()
            for connection in list(state.connections):
                connection.shutdown()
            await server.wait_closed()

    def install_outer(self, pipeline: Pipeline, scenario: Scenario, recorder: Recorder) -> None:
        """Feature subjects (CORS, session, JWT) put their layers in front of the chain here."""


class ReferenceOnion(ReferenceSubject):
    name = "reference/onion"
    profile = "onion"
    description = "the reference pipeline under the onion profile (aiohttp, Starlette)"


class ReferenceHooks(ReferenceSubject):
    name = "reference/hooks"
    profile = "hooks"
    description = "the reference pipeline under the hooks profile (Sanic)"


SUBJECTS: list[type[Subject]] = [ReferenceOnion, ReferenceHooks]
