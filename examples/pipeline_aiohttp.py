"""Graded by the pipeline suite: aiohttp middleware wired the way an application wires it, here
every layer inside a timing wrapper that must change nothing a client or another layer sees.

    pytest --pyargs mwconform.suites.pipeline --mwc-subject examples.pipeline_aiohttp:subject
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web

from mwconform.adapters.aiohttp import AiohttpSubject
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Probe

log = logging.getLogger(__name__)


def timed(inner: Any) -> Any:
    """`inner` (a new-style aiohttp middleware), logging how long it and everything inside it took."""

    @web.middleware
    async def layer(request: web.Request, handler: Any) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response: web.StreamResponse = await inner(request, handler)
            return response
        finally:
            log.debug("%s %s: %s took %.3f ms", request.method, request.path, inner.__name__, (time.perf_counter() - started) * 1000)

    return layer


class OurStack(AiohttpSubject):
    name = "examples/pipeline-aiohttp"  # shown in every verdict
    description = "aiohttp `@web.middleware` chain, every layer inside our timing wrapper"
    # capabilities = AiohttpSubject.capabilities - {"route-local"}  # cases needing it become n/a
    known = {**AiohttpSubject.known}  # case id -> why: aiohttp's own (sub-app middleware sees 404/405 under its prefix)

    def middleware(self, probe: Probe, recorder: Recorder) -> Any:  # how one neutral probe becomes *your* middleware
        return timed(super().middleware(probe, recorder))


subject = OurStack()
