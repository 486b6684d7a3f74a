"""The reference pipeline against traces written out by hand from the frameworks' documentation.

These expectations are independent of the reference code: they are what the aiohttp docs, the
Sanic guide and SPEC.md say, so a change to the reference that breaks a profile fails here.
"""

import asyncio
from dataclasses import dataclass

import pytest

from mwconform.reference.http import Headers, Request, Response
from mwconform.reference.pipeline import Middleware, Pipeline
from mwconform.reference.probes import REQUEST_ID, SOCKET, Recorder, Scripted, build_pipeline
from mwconform.reference.scenario import Group, Handler, Probe, Raise, Respond, Route, Scenario, SetHeader, chain

OK = (Route("GET", "/ok"),)
ABC = chain("A", "B", "C")


def trace(scenario: Scenario, profile: str, method: str = "GET", path: str = "/ok") -> tuple[int, list[str]]:
    recorder = Recorder()
    app = build_pipeline(scenario, profile, recorder)
    response = asyncio.run(app.handle(Request(method, path, Headers([(REQUEST_ID, "t")]))))
    return response.status, recorder.pop("t")


@pytest.mark.parametrize("profile", ["onion", "hooks"])
def test_normal_request_runs_requests_in_order_and_responses_reversed(profile: str) -> None:
    assert trace(Scenario(OK, ABC), profile) == (200, ["A>", "B>", "C>", "H", "<C:200", "<B:200", "<A:200"])


@pytest.mark.parametrize(
    ("profile", "expected"),
    [("onion", ["A>", "B>", "<A:401"]), ("hooks", ["A>", "B>", "<C:401", "<B:401", "<A:401"])],
)
def test_short_circuit_response_phases_depend_on_the_profile(profile: str, expected: list[str]) -> None:
    scenario = Scenario(OK, (Probe("A"), Probe("B", request=Respond(401)), Probe("C")))
    assert trace(scenario, profile) == (401, expected)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [("onion", ["A>", "B>", "C>", "H"]), ("hooks", ["A>", "B>", "C>", "H", "<C:404", "<B:404", "<A:404"])],
)
def test_handler_http_error_passes_outward_or_reaches_every_hook(profile: str, expected: list[str]) -> None:
    assert trace(Scenario((Route("GET", "/ok", Handler(raise_status=404)),), ABC), profile) == (404, expected)


def test_onion_conversion_is_seen_by_outer_layers() -> None:
    scenario = Scenario((Route("GET", "/ok", Handler(crash=True)),), (Probe("A"), Probe("B", convert=299), Probe("C")))
    assert trace(scenario, "onion") == (299, ["A>", "B>", "C>", "H", "<B:!500", "<A:299"])


def test_hooks_replacement_stops_the_remaining_hooks() -> None:
    scenario = Scenario(OK, (Probe("A"), Probe("B", response=Respond(202)), Probe("C")))
    assert trace(scenario, "hooks") == (202, ["A>", "B>", "C>", "H", "<C:200", "<B:200"])


@pytest.mark.parametrize(("profile", "expected"), [("onion", ["A>", "B>", "C>", "H", "<C:200", "<B:200"]), ("hooks", ["A>", "B>", "C>", "H", "<C:200", "<B:200", "<A:500"])])
def test_raising_response_phase_fails_closed(profile: str, expected: list[str]) -> None:
    scenario = Scenario(OK, (Probe("A"), Probe("B", response=Raise(None)), Probe("C")))
    assert trace(scenario, profile) == (500, expected)


def test_hooks_priority_orders_requests_and_reverses_responses() -> None:
    scenario = Scenario(OK, (Probe("a"), Probe("b", priority=10), Probe("c", priority=-5)))
    assert trace(scenario, "hooks") == (200, ["b>", "a>", "c>", "H", "<c:200", "<a:200", "<b:200"])


def test_route_local_chain_runs_inside_global_and_only_for_its_routes() -> None:
    scenario = Scenario(OK, chain("A"), (Group("api", "/api", chain("G"), (Route("GET", "/x"),)),))
    assert trace(scenario, "onion", path="/api/x")[1] == ["A>", "G>", "H", "<G:200", "<A:200"]
    assert trace(scenario, "onion", path="/ok")[1] == ["A>", "H", "<A:200"]
    assert trace(scenario, "onion", path="/api/missing") == (404, ["A>"])
    assert trace(scenario, "hooks", path="/apix") == (404, ["A>", "<A:404"])


def test_405_carries_allow_through_the_chain() -> None:
    recorder = Recorder()
    app = build_pipeline(Scenario(OK, chain("A")), "onion", recorder)
    response = asyncio.run(app.handle(Request("POST", "/ok")))
    assert (response.status, response.headers.get("Allow")) == (405, "GET")


def test_headers_set_on_the_way_out_come_innermost_first() -> None:
    recorder = Recorder()
    scenario = Scenario(OK, tuple(Probe(n, response=SetHeader("x-mw", n)) for n in "AB"))
    response = asyncio.run(build_pipeline(scenario, "onion", recorder).handle(Request("GET", "/ok")))
    assert response.headers.get_all("x-mw") == ["B", "A"]


def test_unknown_profile_is_refused_with_the_accepted_names() -> None:
    with pytest.raises(ValueError, match="unknown profile 'pyramid'; accepted: onion, hooks"):
        Pipeline("pyramid")


def test_onion_recomposes_a_reused_chain_when_the_layers_change() -> None:
    """The onion caches each endpoint's composed chain; a changed chain must never be served stale."""
    recorder = Recorder()
    app = build_pipeline(Scenario(OK, chain("A")), "onion", recorder)
    request_id = [(REQUEST_ID, "t")]
    asyncio.run(app.handle(Request("GET", "/ok", Headers(request_id))))
    assert recorder.pop("t") == ["A>", "H", "<A:200"]
    app.middleware.append(build_pipeline(Scenario(OK, chain("B")), "onion", recorder).middleware[0])
    asyncio.run(app.handle(Request("GET", "/ok", Headers(request_id))))
    assert recorder.pop("t") == ["A>", "B>", "H", "<B:200", "<A:200"]


def test_onion_runs_unhashable_layers_and_many_routing_failures() -> None:
    @dataclass  # eq=True without frozen: instances are unhashable
    class Tag(Middleware):
        value: str

        async def on_response(self, request: Request, response: Response) -> Response | None:
            response.headers.add("x-tag", self.value)
            return None

    app = Pipeline("onion", [Tag("a"), Tag("b")])
    app.route("GET", "/ok", lambda request: _ok())
    for _ in range(100):  # each failure brings a fresh endpoint into the chain cache
        assert asyncio.run(app.handle(Request("GET", "/missing"))).status == 404
    response = asyncio.run(app.handle(Request("GET", "/ok")))
    assert (response.status, response.headers.get_all("x-tag")) == (200, ["b", "a"])


async def _ok() -> Response:
    return Response(200, Headers(), b"")


# The `starlette` profile, from Starlette's own documentation (docs/middleware.md, "Using
# middleware": ServerErrorMiddleware outermost, ExceptionMiddleware innermost) and
# docs/exceptions.md ("HTTPException ... handled by ExceptionMiddleware"; errors in middleware
# outside it reach ServerErrorMiddleware as a 500).
GROUP = (Group("api", "/api", chain("G"), (Route("GET", "/x", Handler(raise_status=404)),)),)


@pytest.mark.parametrize(
    ("scenario", "path", "expected"),
    [
        (Scenario((Route("GET", "/ok", Handler(raise_status=404)),), ABC), "/ok", (404, ["A>", "B>", "C>", "H", "<C:404", "<B:404", "<A:404"])),
        (Scenario(OK, chain("A", "B")), "/missing", (404, ["A>", "B>", "<B:404", "<A:404"])),
        (Scenario((Route("GET", "/ok", Handler(crash=True)),), ABC), "/ok", (500, ["A>", "B>", "C>", "H"])),
        (Scenario(OK, (Probe("A"), Probe("B", request=Raise(409)))), "/ok", (500, ["A>", "B>"])),
        (Scenario(OK, chain("A"), (Group("api", "/api", (Probe("G", request=Raise(409)),), (Route("GET", "/x"),)),)), "/api/x", (409, ["A>", "G>", "<A:409"])),
        (Scenario(OK, chain("A"), GROUP), "/api/x", (404, ["A>", "G>", "H", "<G:404", "<A:404"])),
    ],
    ids=["handler-404-is-a-response", "routing-404-is-a-response", "crash-skips-every-layer", "global-layer-409-becomes-500", "local-layer-409-keeps-status", "local-chain-sees-handler-404"],
)
def test_starlette_profile_converts_http_errors_inside_and_everything_else_outside(scenario: Scenario, path: str, expected: tuple) -> None:
    assert trace(scenario, "starlette", path=path) == expected


CLEANING = tuple(Probe(name, cleanup=True) for name in "ABC")


@pytest.mark.parametrize(
    ("route", "chain_", "profile", "expected"),
    [
        (OK[0], CLEANING, "onion", ["A>", "B>", "C>", "H", "<C:200", "C/", "<B:200", "B/", "<A:200", "A/"]),
        (OK[0], (CLEANING[0], Probe("B", request=Respond(401), cleanup=True), CLEANING[2]), "onion", ["A>", "B>", "B/", "<A:401", "A/"]),
        (Route("GET", "/ok", Handler(crash=True)), CLEANING, "onion", ["A>", "B>", "C>", "H", "C/", "B/", "A/"]),
        (OK[0], CLEANING, "hooks", ["A>", "B>", "C>", "H", "<C:200", "<B:200", "<A:200"]),
    ],
    ids=["onion-normal", "onion-short-circuit", "onion-crash", "hooks-no-cleanup-place"],
)
def test_a_layer_that_wraps_the_next_cleans_up_innermost_first_on_every_path(route: Route, chain_: tuple[Probe, ...], profile: str, expected: list[str]) -> None:
    assert trace(Scenario((route,), chain_), profile)[1] == expected


@pytest.mark.parametrize("leaves", [True, False], ids=["client-leaves", "client-stays"])
def test_the_reference_app_stops_a_trickling_stream_when_the_client_leaves(leaves: bool) -> None:
    from mwconform.reference.asgi import ASGIApp
    from mwconform.reference.probes import TRICKLE_PIECES

    recorder = Recorder()
    app = ASGIApp(build_pipeline(Scenario((Route("GET", "/s", Handler(stream=True, trickle=True)),), CLEANING), "onion", recorder))
    sent: list[dict] = []

    async def main() -> None:
        first_sent, requested = asyncio.Event(), False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            if leaves:
                await first_sent.wait()
            else:
                await asyncio.Event().wait()  # the client stays: no disconnect until the app ends
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if message["type"] == "http.response.body":
                first_sent.set()

        scope = {"type": "http", "method": "GET", "path": "/s", "headers": [(REQUEST_ID.encode(), b"t")], "query_string": b""}
        await asyncio.wait_for(app(scope, receive, send), 5)

    asyncio.run(main())
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert recorder.pop("t")[-1] == "H/"
    if leaves:  # stopped after a piece or two, and no last body message: there is nobody to send it to
        assert len(bodies) < 3 and all(m.get("more_body") for m in bodies)
    else:
        assert len(bodies) == 1 + TRICKLE_PIECES + 1 and not bodies[-1].get("more_body", False)
# A WebSocket upgrade, written out from the aiohttp docs (a WebSocket handler is an ordinary handler,
# so middlewares wrap it and see its WebSocketResponse when it returns) and the Sanic guide (request
# middleware runs on the handshake; response middleware only on an HTTP response).
SOCKET_ROUTE = (Route("GET", "/ws", Handler(websocket=True)),)


def upgrade(scenario: Scenario, profile: str) -> tuple[int, list[str], bytes | None]:
    recorder = Recorder()
    request = Request("GET", "/ws", Headers([(REQUEST_ID, "t")]))
    request.state[SOCKET] = Scripted(("hello", "again"))
    response = asyncio.run(build_pipeline(scenario, profile, recorder).handle(request))
    return response.status, recorder.pop("t"), response.body


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("onion", (101, ["A>", "B>", "H", "<B:101", "<A:101"], b"hello\nagain")),
        ("hooks", (101, ["A>", "B>", "H"], b"hello\nagain")),
    ],
)
def test_a_websocket_upgrade_runs_request_phases_and_response_phases_only_where_the_profile_says(profile: str, expected: tuple) -> None:
    assert upgrade(Scenario(SOCKET_ROUTE, chain("A", "B")), profile) == expected


@pytest.mark.parametrize(("profile", "expected"), [("onion", ["A>", "B>", "<A:403"]), ("hooks", ["A>", "B>", "<C:403", "<B:403", "<A:403"])])
def test_a_refused_upgrade_is_an_early_http_response(profile: str, expected: list[str]) -> None:
    status, events, _ = upgrade(Scenario(SOCKET_ROUTE, (Probe("A"), Probe("B", request=Respond(403)), Probe("C"))), profile)
    assert (status, events) == (403, expected)
