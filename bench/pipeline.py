"""Item 1: the reference pipeline's CPU per middleware layer and per request.

The anchor is the fastest correct way to run the same `Middleware` objects as an onion: closures
composed once, ahead of the request, each awaiting its layer's two phases. Both sides run the same
phase code, so the ratio is the price of the reference's machinery (routing, profiles, chains
assembled per request). Coroutines are driven with `send(None)`: nothing in them suspends, so no
event loop cost is mixed in.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from mwconform.reference.http import Headers, Request, Response
from mwconform.reference.pipeline import Endpoint, Middleware, Pipeline

from .measure import Figure, cpu_medians

LAYERS = 16  # layers in the deep chain; per-layer cost is (deep - empty) / LAYERS
REQUESTS = 1000  # requests per sample
REPEATS = 25


class Noop(Middleware):
    """Both phases present and empty: the phase calls are paid, nothing else."""

    async def on_request(self, request: Request) -> Response | None:
        return None

    async def on_response(self, request: Request, response: Response) -> Response | None:
        return None


RESPONSE = Response(200, Headers(), b"ok")


async def endpoint(request: Request) -> Response:
    return RESPONSE


def drive(coro: Coroutine[Any, Any, Response]) -> Response:
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the pipeline suspended; the bench drives only non-suspending coroutines")


def minimal_onion(layers: Sequence[Middleware], inner: Endpoint) -> Endpoint:
    """The anchor: pre-composed closures, one per layer, with early return and replacement."""
    for mw in reversed(layers):
        inner = _layer(mw, inner)
    return inner


def _layer(mw: Middleware, inner: Endpoint) -> Endpoint:
    async def layer(request: Request) -> Response:
        early = await mw.on_request(request)
        if early is not None:
            return early
        response = await inner(request)
        return await mw.on_response(request, response) or response

    return layer


def bare_onion(depth: int) -> Endpoint:
    """The issue's 0.21 µs figure: `async def mw(request, handler)` layers doing nothing."""
    inner: Endpoint = endpoint
    for _ in range(depth):
        inner = _bare(inner)
    return inner


def _bare(inner: Endpoint) -> Endpoint:
    async def layer(request: Request) -> Response:
        return await inner(request)

    return layer


def burst(handle: Callable[[Request], Coroutine[Any, Any, Response]]) -> Callable[[], None]:
    """`REQUESTS` requests through `handle`, reusing one request (creating it is the server's cost)."""
    request = Request("GET", "/x", Headers())

    def run() -> None:
        for _ in range(REQUESTS):
            drive(handle(request))

    return run


def reference(profile: str, depth: int) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    app = Pipeline(profile, [Noop() for _ in range(depth)])
    app.route("GET", "/x", endpoint)
    return app.handle


def measure() -> list[Figure]:
    section = "1. reference pipeline (CPU per request, µs)"
    handles = {}
    for depth in (0, LAYERS):
        handles[("minimal", depth)] = minimal_onion([Noop() for _ in range(depth)], endpoint)
        handles[("bare", depth)] = bare_onion(depth)
        for profile in ("onion", "hooks"):
            handles[(profile, depth)] = reference(profile, depth)
    cpu = cpu_medians({key: burst(h) for key, h in handles.items()}, REPEATS, REQUESTS)
    us = {key: t * 1e6 for key, t in cpu.items()}

    def per_layer(kind: str) -> float:
        return (us[(kind, LAYERS)] - us[(kind, 0)]) / LAYERS

    minimal = per_layer("minimal")
    figures = [
        Figure(section, "minimal pre-composed onion, per layer (anchor)", minimal, "µs", note="the same Middleware objects, both phases awaited"),
        Figure(section, "bare `async def mw(request, handler)` onion, per layer", per_layer("bare"), "µs", note="issue's 0.21 µs anchor form; no phases"),
    ]
    for profile in ("onion", "hooks"):
        figures.append(Figure(section, f"reference `{profile}`, per layer", per_layer(profile), "µs", "minimal onion", minimal, 1.2, on_ratio=True))
        figures.append(Figure(section, f"reference `{profile}`, fixed cost (routing, no layer)", us[(profile, 0)], "µs", limit=5.0))
    return figures
