"""One hostile subject per behaviour, each written the way a user's subject would be.

Graded with `--mwc-subject tests.hostile.subjects:NAME` beside good subjects; tests/test_hostile.py
checks that each one's cases are `error` with a reason that names what it did, and that the good
subjects' verdicts do not change.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from mwconform.adapters.aiohttp import AiohttpSubject
from mwconform.adapters.base import Plug, Target
from mwconform.adapters.reference import ReferenceOnion
from mwconform.adapters.asgi import AsgiSubject
from mwconform.adapters.sanic import SanicSubject, sanic_path, unique_name
from mwconform.reference.http import Request, Response
from mwconform.reference.pipeline import Pipeline
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Probe, Route, Scenario
from sanic import Blueprint, Sanic

from mwconform.harness import free_socket

FOREVER = 3600.0  # seconds: far past any deadline, so only the harness can end the case


def pipeline(before: Callable[[], Any]) -> type[Pipeline]:
    """The reference pipeline with `before()` run (and awaited if it returns an awaitable) per request."""

    class Hostile(Pipeline):
        async def handle(self, request: Request) -> Response:
            started = before()
            if asyncio.iscoroutine(started):
                await started
            return await super().handle(request)

    return Hostile


def _busy() -> None:
    while True:
        pass


async def _immortal() -> None:
    while True:
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            continue  # swallows every cancellation


def _leak_thread() -> None:
    threading.Thread(target=threading.Event().wait, name="hostile-leaked", daemon=False).start()


class BusyLoop(ReferenceOnion):
    name = "hostile/busy-loop"
    description = "every request spins in a `while True: pass` on the event loop"
    pipeline_class = pipeline(_busy)


def _backtrack() -> None:
    # Nested quantifiers on a string that almost matches: 2**40 steps inside re's C code, which
    # never releases the GIL, so no other thread of the process runs meanwhile.
    re.match(r"(a+)+$", "a" * 40 + "!")


class HoldsTheGil(ReferenceOnion):
    name = "hostile/holds-the-gil"
    description = "every request validates with a regular expression that backtracks for hours, holding the GIL"
    pipeline_class = pipeline(_backtrack)


class ExitsProcess(ReferenceOnion):
    name = "hostile/os-exit"
    description = "every request calls os._exit(3)"
    pipeline_class = pipeline(lambda: os._exit(3))


class LeaksThread(ReferenceOnion):
    name = "hostile/leaked-thread"
    description = "every request starts a non-daemon thread that waits forever"
    pipeline_class = pipeline(_leak_thread)


class ImmortalTask(ReferenceOnion):
    name = "hostile/immortal-task"
    description = "every request starts a task that swallows cancellation"
    pipeline_class = pipeline(lambda: asyncio.get_running_loop().create_task(_immortal()) and None)


class BlockingServe(ReferenceOnion):
    name = "hostile/blocking-serve"
    description = "serve() sleeps an hour (time.sleep) before it yields a target"

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        time.sleep(FOREVER)
        yield Target("http://127.0.0.1:9")


class GarbageHttp(ReferenceOnion):
    name = "hostile/garbage-http"
    description = "answers every connection with bytes that are not HTTP, then closes it"

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(garbage, sock=free_socket())
        try:
            yield Target(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        finally:
            server.close()
            await server.wait_closed()


class BlockingMiddleware(AiohttpSubject):
    name = "hostile/blocking-middleware"
    description = "an aiohttp middleware that calls time.sleep(3600)"

    def middleware(self, probe: Probe, recorder: Recorder) -> Any:
        @web.middleware
        async def sleeps(request: web.Request, handler: Any) -> web.StreamResponse:
            time.sleep(FOREVER)
            return await handler(request)

        return sleeps


class SysExitAiohttp(AiohttpSubject):
    name = "hostile/sys-exit-aiohttp"
    description = "an aiohttp middleware that calls sys.exit(3)"

    def middleware(self, probe: Probe, recorder: Recorder) -> Any:
        @web.middleware
        async def exits(request: web.Request, handler: Any) -> web.StreamResponse:
            sys.exit(3)

        return exits


class EndlessBody(AiohttpSubject):
    name = "hostile/endless-body"
    description = "every route streams 64 KiB chunks forever"

    def add_route(self, app: web.Application, route: Route, recorder: Recorder, plug: Plug) -> None:
        async def endless(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()
            await response.prepare(request)
            chunk = b"x" * 65536
            while True:
                await response.write(chunk)

        app.router.add_route(route.method, route.path, endless)


class EndlessBodySanic(SanicSubject):
    name = "hostile/endless-body-sanic"
    description = "every route streams 64 KiB chunks forever (Sanic; in-process too)"

    def add_route(self, target: Sanic | Blueprint, route: Route, recorder: Recorder, plug: Plug) -> None:
        async def endless(request: Any, **params: Any) -> None:
            response = await request.respond()
            chunk = b"x" * 65536
            while True:
                await response.send(chunk)

        target.add_route(endless, sanic_path(route.path), methods=[route.method], name=unique_name("endless"))


class EndlessBodyAsgi(AsgiSubject):
    name = "hostile/endless-body-asgi"
    description = "a bare ASGI app whose every response streams 64 KiB chunks forever (socket and in-process)"

    def build(self, scenario: Scenario, recorder: Recorder) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                while (message := await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            while True:  # never listens for http.disconnect: uvicorn's send then returns at once
                await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
                await asyncio.sleep(0)

        return app


class MonkeypatchesAiohttp(AiohttpSubject):
    name = "hostile/monkeypatch-aiohttp"
    description = "patches aiohttp's Response.__init__ (every response becomes 418) when it serves"

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        original = web.Response.__init__

        def teapot(self: web.Response, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **{**kwargs, "status": 418})

        web.Response.__init__ = teapot  # never put back
        async with super().serve(scenario, recorder, mode) as target:
            yield target


class SysExitSanic(SanicSubject):
    name = "hostile/sys-exit-sanic"
    description = "a Sanic request middleware that calls sys.exit(3)"

    def install(self, target: Sanic | Blueprint, probe: Probe, recorder: Recorder) -> None:
        async def exits(request: Any) -> None:
            sys.exit(3)

        self.attach(target, exits, "request", probe.priority)


def raising_listener(event: str) -> type[SanicSubject]:
    """A Sanic subject whose `event` listener raises."""

    class RaisingListener(SanicSubject):
        name = f"hostile/sanic-{event.replace('_', '-')}-raises"
        description = f"a Sanic {event} listener raises RuntimeError"

        def build(self, app: Sanic, scenario: Scenario, recorder: Recorder, plug: Plug) -> None:
            super().build(app, scenario, recorder, plug)

            async def boom(app: Sanic) -> None:
                raise RuntimeError(f"{event} listener failed")

            app.register_listener(boom, event)

    return RaisingListener


BeforeStartRaises = raising_listener("before_server_start")
AfterStartRaises = raising_listener("after_server_start")
BeforeStopRaises = raising_listener("before_server_stop")
