"""Serve a reference `Pipeline` as an ASGI application.

This makes the reference usable as a library (mount it under any ASGI server) and lets the suites
grade it over a real socket like any framework. The ASGI server does the HTTP parsing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from contextlib import aclosing
from http import HTTPStatus
from typing import Any

from .http import Headers, Request, Response
from .pipeline import Pipeline
from .probes import SOCKET, halves

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ASGIApp:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "websocket":
            await self.websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        response = await self.pipeline.handle(request_of(scope, scope["method"], body))
        await respond(response, send, receive)
        if response.background is not None:  # after the last body message, as Starlette runs it
            await response.background()

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An upgrade request through the pipeline: the endpoint accepts it and talks over `AsgiSocket`;
        a layer that answers refuses the handshake with its response (ASGI WebSocket Denial Response
        extension where the server offers it, else a close before accepting, which the server sends as 403)."""
        await receive()  # websocket.connect
        request = request_of(scope, "GET", b"")
        socket = request.state[SOCKET] = AsgiSocket(receive, send)
        response = await self.pipeline.handle(request)
        if socket.accepted:
            if not socket.closed:
                await send({"type": "websocket.close", "code": 1000})
        elif "websocket.http.response" in scope.get("extensions", {}):
            await respond(response, send, prefix="websocket.")
        else:
            await send({"type": "websocket.close", "code": 1008})


def request_of(scope: Scope, method: str, body: bytes) -> Request:
    return Request(
        method,
        scope["path"],
        Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
        scope.get("query_string", b"").decode("latin-1"),
        body,
    )


async def respond(response: Response, send: Send, receive: Receive | None = None, prefix: str = "") -> None:
    """Send `response` as ASGI messages (`prefix` "websocket." for a denial response); a trickling
    body (`response.more`) goes on until it ends or `receive` says the client left."""
    payload = response.body
    if payload is None:  # the reference leaves error pages free; write a plain one
        payload = f"{response.status}: {HTTPStatus(response.status).phrase}".encode()
    headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
    await send({"type": f"{prefix}http.response.start", "status": response.status, "headers": headers})
    if response.more is not None and receive is not None:
        await send({"type": f"{prefix}http.response.body", "body": payload, "more_body": True})
        if not await go_on(response.more, receive, send):
            return  # the client left: nothing more to send (ASGI spec, Disconnect)
        payload = b""
    elif response.streamed:  # no Content-Length: the server sends it chunked, as it comes
        first, payload = halves(payload)
        await send({"type": f"{prefix}http.response.body", "body": first, "more_body": True})
    await send({"type": f"{prefix}http.response.body", "body": payload})


async def go_on(more: AsyncGenerator[bytes, None], receive: Receive, send: Send) -> bool:
    """Send the pieces of `more` as they come: True when it ended, False when the client left first.

    The request body has been read, so `receive` answers only `http.disconnect` (ASGI spec: "sent
    to the application if receive is called after a response has been sent or the HTTP connection
    has been closed"), as Starlette's `StreamingResponse` listens for it; `more` is closed either way.
    """
    left = asyncio.ensure_future(_disconnect(receive))
    try:
        async with aclosing(more):
            async for piece in more:
                if left.done():
                    return False
                await send({"type": "http.response.body", "body": piece, "more_body": True})
        return True
    finally:
        left.cancel()
        await asyncio.gather(left, return_exceptions=True)


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class AsgiSocket:
    """The reference endpoint's `Socket` over ASGI WebSocket messages."""

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive, self._send = receive, send
        self.accepted = self.closed = False

    async def accept(self) -> None:
        await self._send({"type": "websocket.accept"})
        self.accepted = True

    async def receive(self) -> str | None:
        while True:
            message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return None
            if message.get("text") is not None:
                return str(message["text"])

    async def send(self, text: str) -> None:
        await self._send({"type": "websocket.send", "text": text})
