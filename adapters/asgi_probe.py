"""A neutral probe as a pure ASGI middleware (`app(scope, receive, send)`), for any ASGI framework.

The request context is the ASGI request state (`scope["state"]`, which Starlette's and
Litestar's `request.state` read), the route parameters are `scope["path_params"]`. A layer
whose response phase may act (add headers, replace the response, convert an exception raised
inside) or that cleans up after it (`Probe.cleanup`) collects the inner response before that phase
runs; one whose response phase only looks runs it at `http.response.start` and passes the response
on as it comes. WebSocket upgrades pass
the request phase too (`ProbeASGI.upgrade`). Frameworks differ only in the HTTP error class a
probe raises (`fail`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..reference.http import Headers
from ..reference.probes import Recorder, error_phase, finished, reads_body, request_phase, response_phase
from ..reference.scenario import Pass, Probe
from .asgi import ASGIApp, Message, Receive, Scope, Send

#: An HTTP error of `status` (None: an unhandled exception) in the framework's own class.
#: (status, headers) → what a probe raises: an HTTP error of that status carrying the headers, or a crash.
Fail = Callable[..., Exception]


def crash(*_: object) -> Exception:
    return RuntimeError("raised because the scenario asked for it")


@dataclass
class Buffered:
    """A whole ASGI response: what the inner app sent, or what a probe answers."""

    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    async def send_to(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})

    @classmethod
    def text(cls, status: int, body: str) -> Buffered:
        payload = body.encode()
        return cls(status, [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(payload)).encode())], payload)


def request_headers(scope: Scope) -> Headers:
    return Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])


def scope_context(scope: Scope) -> dict[str, Any]:
    """The probes' context dict, inside the ASGI request state."""
    return scope.setdefault("state", {}).setdefault("mwc", {})


class ScopeIO:
    """`ProbeIO` over an ASGI scope and buffered responses."""

    def __init__(self, scope: Scope, fail: Fail) -> None:
        self.scope, self.fail = scope, fail
        self.headers = request_headers(scope)
        #: The request body, when the layer read it (`replayed`).
        self.loaded: bytes | None = None

    def body(self) -> bytes:
        if self.loaded is None:
            raise RuntimeError("the request body was not read before a phase that reads it (see reads_body)")
        return self.loaded

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def ctx_get(self, key: str) -> str | None:
        return scope_context(self.scope).get(key)

    def ctx_set(self, key: str, value: str) -> None:
        scope_context(self.scope)[key] = value

    def rewrite(self, param: str, transform: Callable[[str], str]) -> None:
        params = self.scope.get("path_params")
        if params is None:
            raise RuntimeError("no route parameters yet: this layer runs before routing")
        params[param] = transform(params[param])

    def respond(self, status: int, body: str) -> Buffered:
        return Buffered.text(status, body)

    def add_header(self, response: Buffered, name: str, value: str) -> None:
        response.headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))


class ProbeASGI:
    """One probe as a pure ASGI middleware around `app`."""

    def __init__(self, app: ASGIApp, probe: Probe, recorder: Recorder, fail: Fail = crash) -> None:
        self.app, self.probe, self.recorder, self.fail = app, probe, recorder, fail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.upgrade(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        probe, io = self.probe, ScopeIO(scope, self.fail)
        record = self.recorder.sink(io.headers)
        try:
            await self.phases(io, record, receive, send)
        finally:
            finished(probe, record)

    async def phases(self, io: ScopeIO, record: Callable[[str], None], receive: Receive, send: Send) -> None:
        probe, scope = self.probe, io.scope
        if reads_body(probe):
            receive = await replayed(io, receive)
        if probe.request is not None:
            early = request_phase(probe, io, record)
            if early is not None:
                await early.send_to(send)
                return
        # A layer with a cleanup keeps the onion's order (its response phase, then its `finally`).
        if probe.convert is None and not probe.cleanup and (probe.response is None or isinstance(probe.response, Pass)):
            await self.observe(scope, receive, send, io, record)
            return
        inner, complete = Buffered(0), asyncio.Event()

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                inner.status, inner.headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                inner.body += message.get("body", b"")
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self.app(scope, until_sent(receive, complete), collect)
        except Exception as exc:
            converted = error_phase(probe, io, record, getattr(exc, "status_code", 500))
            if converted is None:
                raise
            await converted.send_to(send)
            return
        response = inner
        if probe.response is not None or probe.convert is not None:
            response = response_phase(probe, io, record, inner, inner.status) or inner
        await response.send_to(send)

    async def observe(self, scope: Scope, receive: Receive, send: Send, io: ScopeIO, record: Callable[[str], None]) -> None:
        """A layer whose response phase only looks: it runs at `http.response.start` and the response
        passes on message by message, as a logging or timing middleware does. Holding it back until
        the app returns would hold it past the app's background tasks too (SPEC pipeline.background.after-response)."""

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and self.probe.response is not None:
                response_phase(self.probe, io, record, Buffered(message["status"]), message["status"])
            await send(message)

        await self.app(scope, receive, watched)

    async def upgrade(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket upgrade request (SPEC pipeline.websocket.*): the request phase runs on it, as
        Starlette's own AuthenticationMiddleware does; an answer refuses the handshake; the response
        phase runs when the app returns (the session is over) and sees 101 once it was accepted."""
        probe, io = self.probe, ScopeIO(scope, self.fail)
        record = self.recorder.sink(io.headers)
        if probe.request is not None:
            early = request_phase(probe, io, record)
            if early is not None:
                await deny(scope, send, early)
                return
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "websocket.accept":
                status = status or 101
            elif message["type"] == "websocket.http.response.start":
                status = status or message["status"]
            elif message["type"] == "websocket.close":
                status = status or 403  # closed before the accept: the server answers 403
            await send(message)

        await self.app(scope, receive, watched)
        if probe.response is not None and status:
            response_phase(probe, io, record, Buffered(status), status)


async def deny(scope: Scope, send: Send, response: Buffered) -> None:
    """Refuse a WebSocket handshake with `response`: as an HTTP response where the server offers the
    ASGI WebSocket Denial Response extension, else by closing before the accept (the server then
    answers 403: ASGI spec, WebSocket Close)."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.http.response.start", "status": response.status, "headers": response.headers})
    await send({"type": "websocket.http.response.body", "body": response.body})


async def replayed(io: ScopeIO, receive: Receive) -> Receive:
    """Read the whole request body into `io.loaded`; return a `receive` that hands the inner app the
    same messages again, in the same pieces, then whatever comes next (a disconnect)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    io.loaded = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    pending = iter(messages)

    async def replay() -> Message:
        return next(pending, None) or await receive()

    return replay


DISCONNECT: Message = {"type": "http.disconnect"}


def until_sent(receive: Receive, complete: asyncio.Event) -> Receive:
    """The `receive` a buffering layer hands the app inside it: once the app's response is
    complete it answers `http.disconnect`, as a server does (ASGI spec, Disconnect: "sent to the
    application if receive is called after a response has been sent"), and as Starlette's
    `BaseHTTPMiddleware` does for `call_next`. Litestar's `Stream` waits for that message after its
    last chunk: without it the layer waits for the app and the app for the layer."""

    async def receive_or_disconnect() -> Message:
        if complete.is_set():
            return dict(DISCONNECT)
        receiving, finishing = asyncio.ensure_future(receive()), asyncio.ensure_future(complete.wait())
        try:
            await asyncio.wait({receiving, finishing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiving, finishing):
                if not task.done():
                    task.cancel()
            await asyncio.gather(receiving, finishing, return_exceptions=True)
        if receiving.done() and not receiving.cancelled():
            return receiving.result()
        return dict(DISCONNECT)

    return receive_or_disconnect
