"""The ASGI serving layer (adapters/asgi.py) against broken ASGI apps, in both modes: every one is
a one-line error within the case deadline, the two modes agree, and nothing is left listening."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from mwconform.adapters.asgi import serve_asgi
from mwconform.harness import Dropped, run, send
from mwconform.outcomes import HarnessError
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Call

MODES = ("socket", "inprocess")
GET = (Call("GET", "/"),)


async def _lifespan(receive: Any, send: Any, startup: str) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if startup == "raise":
                raise RuntimeError("database unreachable")
            if startup == "hang":
                await asyncio.Event().wait()
            await send({"type": f"lifespan.startup.{startup}", **({"message": "config missing"} if startup == "failed" else {})})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return


def app(startup: str = "complete", http: str = "ok") -> Any:
    """An ASGI app whose lifespan start-up does `startup` and whose HTTP handling does `http`."""

    async def asgi(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, startup)
        start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        if http == "silent":
            return
        if http == "hang":
            await asyncio.Event().wait()
        if http == "body-first":
            await send({"type": "http.response.body", "body": b"x"})
        await send(start)
        if http == "two-starts":
            await send(start)
        if http == "cut-off":
            await send({"type": "http.response.body", "body": b"part", "more_body": True})
            raise RuntimeError("crashed mid-body")
        await send({"type": "http.response.body", "body": b"hello"})

    return asgi


def exchange(asgi: Any, mode: str) -> Any:
    async def go() -> Any:
        async with serve_asgi(asgi, mode) as target:
            return await send(target, Recorder(), GET)

    return run(go(), 10.0, "serving a broken app")


@pytest.mark.parametrize("mode", MODES)
def test_a_well_behaved_app_answers(mode: str) -> None:
    (got,) = exchange(app(), mode)
    assert (got.status, got.body) == (200, b"hello")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("startup", "reason"),
    [
        ("failed", "lifespan start-up failed: config missing"),
        ("raise", "lifespan start-up raised RuntimeError: database unreachable"),
        ("hang", "lifespan start-up did not complete within 5 s"),
    ],
)
def test_a_broken_lifespan_start_up_is_a_one_line_error(mode: str, startup: str, reason: str) -> None:
    with pytest.raises(HarnessError) as caught:
        exchange(app(startup=startup), mode)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("http", "error", "reason"),
    [
        ("two-starts", HarnessError, "GET /: the ASGI app sent http.response.start twice"),
        ("body-first", HarnessError, "GET /: the ASGI app sent http.response.body before http.response.start"),
        ("silent", HarnessError, "GET /: the ASGI app returned without sending http.response.start"),
        ("hang", HarnessError, "GET / got no answer within 5 s (the subject hung)"),
        ("cut-off", Dropped, "raised RuntimeError after starting its response: it was cut off"),
    ],
)
def test_an_app_that_breaks_the_asgi_protocol_is_an_error_naming_the_violation(mode: str, http: str, error: type, reason: str) -> None:
    with pytest.raises(HarnessError) as caught:
        exchange(app(http=http), mode)
    assert type(caught.value) is error
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_the_uvicorn_server_is_stopped_after_the_case_even_when_it_failed() -> None:
    ports = []

    async def go() -> None:
        async with serve_asgi(app(http="two-starts"), "socket") as target:
            ports.append(int(target.base_url.rsplit(":", 1)[1]))
            await send(target, Recorder(), GET)

    with pytest.raises(HarnessError):
        run(go(), 10.0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports[0]), timeout=2).close()


def socket_app(ws: str) -> Any:
    """An ASGI app whose WebSocket handling does `ws` (its lifespan starts normally)."""

    async def asgi(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, "complete")
        await receive()  # websocket.connect
        if ws == "as-http":
            await send({"type": "http.response.start", "status": 403, "headers": []})
        elif ws == "close":
            await send({"type": "websocket.close", "code": 1008})
        elif ws == "crash":
            raise RuntimeError("crashed before accepting")
        elif ws == "deny":
            await send({"type": "websocket.http.response.start", "status": 401, "headers": [(b"www-authenticate", b"Bearer")]})
            await send({"type": "websocket.http.response.body", "body": b"no"})
        else:
            await send({"type": "websocket.accept"})
            message = await receive()
            if ws == "echo":
                await send({"type": "websocket.send", "text": message["text"]})
            else:  # "mute": never replies, until the client goes away
                await receive()

    return asgi


def upgrade(asgi: Any, mode: str) -> Any:
    async def go() -> Any:
        async with serve_asgi(asgi, mode) as target:
            return await send(target, Recorder(), (Call("GET", "/ws", messages=("hello",)),))

    (got,) = run(go(), 10.0, "upgrading to a WebSocket")
    return got


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("ws", "status", "body"),
    [("echo", 101, b"hello"), ("deny", 401, None), ("close", 403, None), ("crash", 500, None)],
    ids=["accepted", "denial-response", "closed-before-accept", "raised-before-accept"],
)
def test_a_websocket_upgrade_is_answered_as_an_asgi_server_answers_it_in_both_modes(mode: str, ws: str, status: int, body: bytes | None) -> None:
    got = upgrade(socket_app(ws), mode)
    assert got.status == status and (body is None or got.body == body)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("ws", "reason"),
    [
        ("as-http", "GET /ws (WebSocket upgrade): the ASGI app sent http.response.start on a websocket scope"),
        ("mute", "GET /ws (WebSocket upgrade) got no reply within 5 s (the subject hung)"),
    ],
)
def test_a_websocket_app_that_breaks_the_protocol_or_hangs_is_an_error_naming_it(mode: str, ws: str, reason: str) -> None:
    with pytest.raises(HarnessError) as caught:
        upgrade(socket_app(ws), mode)
    assert reason in str(caught.value) and "\n" not in str(caught.value)
