"""Message bodies through the chain: streamed responses, HEAD, a request body read by a layer and by the handler."""

import pytest
from mwconform.reference.scenario import Call, Handler, Probe, Raise, ReadBody, Respond, Route, Scenario, SetHeader, chain
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

STREAM = Route("GET", "/stream", Handler(stream=True))
ECHO = Route("POST", "/echo", Handler(read_body=True))
FORM = b"name=alice&role=admin"
#: Three 64 KiB pieces sent chunked: an ASGI app receives them as several `http.request` messages.
PIECES = (b"a" * 65536, b"b" * 65536, b"c" * 65536)


def marking(*names: str) -> tuple[Probe, ...]:
    """Layers that each add `x-mw: <name>` on the way out."""
    return tuple(Probe(n, response=SetHeader("x-mw", n)) for n in names)


CASES = [
    PipelineCase(
        id="stream.get-through-a-b-c",
        title="handler streams its JSON body in two chunked writes; A, B, C pass it through; GET /stream",
        requirements=("pipeline.stream.through-layers", "pipeline.phase.once"),
        expect="Status 200 with every byte of the body in order; each layer's request and response phase runs once, "
        "in the profile's order, as for a body sent in one piece.",
        scenario=Scenario((STREAM,), chain("A", "B", "C")),
        calls=(Call("GET", "/stream"),),
    ),
    PipelineCase(
        id="stream.response-phases-add-headers",
        title="A, B, C each add x-mw on the way out of a streamed GET /stream",
        requirements=("pipeline.stream.response-headers", "pipeline.stream.through-layers"),
        expect="Status 200, the whole body, and x-mw: C, B, A (onion; hooks: in the response hooks' order), as on a "
        "response sent in one piece.",
        needs=frozenset({"stream-headers"}),
        scenario=Scenario((STREAM,), marking("A", "B", "C")),
        calls=(Call("GET", "/stream"),),
    ),
    PipelineCase(
        id="stream.inner-layer-replaces-streamed-response",
        title="C replaces the streamed response of GET /stream by 299 'replaced' on the way out; A, B, C",
        requirements=("pipeline.stream.response-headers", "pipeline.replace.response-phase"),
        expect="The client gets 299 'replaced', never the stream. onion: B and A see the 299; hooks: C's replacement "
        "stops the remaining hooks.",
        needs=frozenset({"stream-headers", "response-replace"}),
        scenario=Scenario((STREAM,), (Probe("A"), Probe("B"), Probe("C", response=Respond(299, "replaced")))),
        calls=(Call("GET", "/stream"),),
    ),
    PipelineCase(
        id="stream.response-phase-raises",
        title="B raises RuntimeError on its way out of a streamed GET /stream; A, B, C",
        requirements=("pipeline.error.response-phase-raises", "pipeline.stream.response-headers"),
        expect="The client gets a 500, never the stream B was handed. onion: the exception skips A's response phase; "
        "hooks: A sees the 500.",
        needs=frozenset({"stream-headers"}),
        scenario=Scenario((STREAM,), (Probe("A"), Probe("B", response=Raise(None)), Probe("C"))),
        calls=(Call("GET", "/stream"),),
    ),
    PipelineCase(
        id="head.get-route-through-a-b-c",
        title="A, B, C each add x-mw on the way out; GET /ok, then HEAD /ok (only GET routed)",
        requirements=("pipeline.head.as-get",),
        expect="HEAD answers what GET answers (200, x-mw: C, B, A, the same trace through every layer and the "
        "handler); the server leaves the content out.",
        scenario=Scenario((Route("GET", "/ok"),), marking("A", "B", "C")),
        calls=(Call("GET", "/ok"), Call("HEAD", "/ok")),
    ),
    PipelineCase(
        id="head.streamed-get-route-through-a-b-c",
        title="handler streams its body; A, B, C pass it through; HEAD /stream (only GET routed)",
        requirements=("pipeline.head.as-get", "pipeline.stream.through-layers"),
        expect="200, each layer's phases and the handler running once, as for GET /stream; the server leaves the content out.",
        scenario=Scenario((STREAM,), chain("A", "B", "C")),
        calls=(Call("HEAD", "/stream"),),
    ),
    PipelineCase(
        id="head.unmatched-path-through-a-b-c",
        title="A, B, C around GET /ok; HEAD /missing",
        requirements=("pipeline.head.as-get", "pipeline.routing.404-global"),
        expect="404 after the global chain ran, as for GET /missing.",
        scenario=Scenario((Route("GET", "/ok"),), chain("A", "B", "C")),
        calls=(Call("HEAD", "/missing"),),
    ),
    PipelineCase(
        id="body.form-read-by-a-then-by-handler",
        title="A reads the request body; the handler reads it again; POST /echo with a 21-byte form body (Content-Length)",
        requirements=("pipeline.body.read-twice",),
        expect="A and the handler both see the 21 bytes the client sent (the echo shows the same length and SHA-256 for both).",
        needs=frozenset({"context"}),
        scenario=Scenario((ECHO,), (Probe("A", request=ReadBody("a")),)),
        calls=(Call("POST", "/echo", (("content-type", "application/x-www-form-urlencoded"),), FORM),),
    ),
    PipelineCase(
        id="body.chunked-read-by-a-and-c-then-by-handler",
        title="A and C read the request body; the handler reads it again; POST /echo with 192 KiB sent chunked in three pieces",
        requirements=("pipeline.body.read-twice",),
        expect="A, C and the handler each see all 196608 bytes in order (the same length and SHA-256), whatever "
        "pieces the body arrived in.",
        needs=frozenset({"context"}),
        scenario=Scenario((ECHO,), (Probe("A", request=ReadBody("a")), Probe("B"), Probe("C", request=ReadBody("c")))),
        calls=(Call("POST", "/echo", (), PIECES),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_bodies(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
