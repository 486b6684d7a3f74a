"""The reference pipeline as a subject, served by the ASGI layer (`asgi.py`): uvicorn over loopback or in-process.

Graded like any framework, it checks the harness itself end to end, and it is the base the
self-tests plant bugs into (`tests/mutants/`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, ClassVar

from ..reference.asgi import ASGIApp
from ..reference.http import Request
from ..reference.pipeline import Middleware, Pipeline
from ..reference.probes import Recorder, build_pipeline
from ..reference.scenario import Scenario
from .asgi import serve_asgi
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
        async with serve_asgi(ASGIApp(self.pipeline(scenario, recorder, plug)), mode, "reference.test") as target:
            yield target


#: aiohttp and Sanic put no background task on a response: the profiles that model them lack it.
NO_BACKGROUND = ALL - {"background-tasks"}


class ReferenceOnion(ReferenceSubject):
    name = "reference/onion"
    profile = "onion"
    capabilities = NO_BACKGROUND
    description = "the reference pipeline under the onion profile (aiohttp, Starlette)"


class ReferenceHooks(ReferenceSubject):
    name = "reference/hooks"
    profile = "hooks"
    capabilities = NO_BACKGROUND
    description = "the reference pipeline under the hooks profile (Sanic)"


class ReferenceStarlette(ReferenceSubject):
    name = "reference/starlette"
    profile = "starlette"
    description = "the reference pipeline under the starlette profile (the onion inside Starlette's own error layers)"


class ReferenceLitestar(ReferenceSubject):
    name = "reference/litestar"
    profile = "litestar"
    description = "the reference pipeline under the litestar profile (the onion around Litestar's per-route exception handling)"


SUBJECTS: list[type[Subject]] = [ReferenceOnion, ReferenceHooks, ReferenceStarlette, ReferenceLitestar]
