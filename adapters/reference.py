"""The reference pipeline as a subject, served by the ASGI layer (`asgi.py`): uvicorn over loopback or in-process.

Graded like any framework, it checks the harness itself end to end, and it is the base the
self-tests plant bugs into (`tests/mutants/`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

from ..reference.asgi import ASGIApp
from ..reference.pipeline import Pipeline
from ..reference.probes import Recorder, build_pipeline
from ..reference.scenario import Scenario
from .asgi import serve_asgi
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
        async with serve_asgi(ASGIApp(self.pipeline(scenario, recorder)), mode, "reference.test") as target:
            yield target

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


class ReferenceStarlette(ReferenceSubject):
    name = "reference/starlette"
    profile = "starlette"
    description = "the reference pipeline under the starlette profile (the onion inside Starlette's own error layers)"


class ReferenceLitestar(ReferenceSubject):
    name = "reference/litestar"
    profile = "litestar"
    description = "the reference pipeline under the litestar profile (the onion around Litestar's per-route exception handling)"


SUBJECTS: list[type[Subject]] = [ReferenceOnion, ReferenceHooks, ReferenceStarlette, ReferenceLitestar]
