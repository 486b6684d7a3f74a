"""Subjects for testing the harness itself: one that hangs, one whose adapter crashes, one whose
known deviation has gone stale. Used by test_plugin.py through --mwc-subject tests.subjects:NAME."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mwconform.adapters.base import Target
from mwconform.adapters.reference import ReferenceOnion
from mwconform.reference.http import Request, Response
from mwconform.reference.pipeline import Pipeline
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Scenario


class HangingPipeline(Pipeline):
    async def handle(self, request: Request) -> Response:
        await asyncio.Event().wait()  # never set: the subject never answers
        raise AssertionError("unreachable")


class Hangs(ReferenceOnion):
    name = "test/hangs"
    description = "every request waits forever"
    pipeline_class = HangingPipeline


class AdapterCrashes(ReferenceOnion):
    name = "test/adapter-crashes"
    description = "its adapter raises while building the app"

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        raise RuntimeError("adapter bug: cannot build the app")
        yield Target("http://127.0.0.1:9")  # pragma: no cover - unreachable, makes this a generator


class StaleKnown(ReferenceOnion):
    name = "test/stale-known"
    description = "declares a deviation it does not have"
    known = {"order.three-layers": "claimed to run C before A (it does not)"}
