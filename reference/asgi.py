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

from .http import Headers, Request
from .pipeline import Pipeline
from .probes import halves

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
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        request = Request(
            scope["method"],
            scope["path"],
            Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
            scope.get("query_string", b"").decode("latin-1"),
            body,
        )
        response = await self.pipeline.handle(request)
        payload = response.body
        if payload is None:  # the reference leaves error pages free; write a plain one
            payload = f"{response.status}: {HTTPStatus(response.status).phrase}".encode()
        headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if response.more is not None:
            await send({"type": "http.response.body", "body": payload, "more_body": True})
            if not await go_on(response.more, receive, send):
                return  # the client left: nothing more to send (ASGI spec, Disconnect)
            payload = b""
        elif response.streamed:  # no Content-Length: the server sends it chunked, as it comes
            first, payload = halves(payload)
            await send({"type": "http.response.body", "body": first, "more_body": True})
        await send({"type": "http.response.body", "body": payload})


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
