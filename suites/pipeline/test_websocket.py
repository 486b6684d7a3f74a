"""What else rides on an HTTP request: a WebSocket opening handshake, and background tasks run after the response."""

import pytest
from mwconform.reference.scenario import Call, Handler, Probe, Respond, Route, Scenario, chain
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

SOCKET = Route("GET", "/ws", Handler(websocket=True))
LATER = Route("GET", "/later", Handler(background=True))
LATER_STREAMED = Route("GET", "/later", Handler(background=True, stream=True))

CASES = [
    PipelineCase(
        id="websocket.upgrade-through-a-b-c",
        title="A, B, C pass everything through; WebSocket upgrade of GET /ws, then the text message 'hello'",
        requirements=("pipeline.websocket.upgrade", "pipeline.phase.once"),
        expect="The handshake completes (101) and 'hello' comes back. Where the framework runs HTTP middleware on the "
        "upgrade, A, B, C run their request phases in order (onion: their response phases after the session, seeing "
        "101; hooks: no response hook, no HTTP response being sent); where it does not, only the handler runs.",
        needs=frozenset({"websocket"}),
        scenario=Scenario((SOCKET,), chain("A", "B", "C")),
        calls=(Call("GET", "/ws", messages=("hello",)),),
    ),
    PipelineCase(
        id="websocket.b-refuses-upgrade-with-403",
        title="B answers 403 in its request phase (an auth layer); A, B, C; WebSocket upgrade of GET /ws",
        requirements=("pipeline.websocket.refused", "pipeline.short-circuit.skips-inner"),
        expect="Where the framework runs HTTP middleware on the upgrade: the handshake is refused with 403 and C and the "
        "handler never run (onion: A sees the 403 on its way out; hooks: every response hook does). Where it does not, "
        "B never sees the upgrade, which completes (101): the profile's documented gap, not a fail.",
        needs=frozenset({"websocket"}),
        scenario=Scenario((SOCKET,), (Probe("A"), Probe("B", request=Respond(403)), Probe("C"))),
        calls=(Call("GET", "/ws", messages=("hello",)),),
    ),
    PipelineCase(
        id="background.task-after-get-through-a-b-c",
        title="the handler answers GET /later and leaves a background task; A, B, C pass it through",
        requirements=("pipeline.background.after-response",),
        expect="200; the client has the whole response while the background task runs (T after every layer's "
        "response phase; T:held would mean a layer held the response back until the task ended).",
        needs=frozenset({"background-tasks"}),
        scenario=Scenario((LATER,), chain("A", "B", "C")),
        calls=(Call("GET", "/later"),),
    ),
    PipelineCase(
        id="background.task-after-streamed-get-through-a-b-c",
        title="the handler streams its answer to GET /later and leaves a background task; A, B, C pass it through",
        requirements=("pipeline.background.after-response", "pipeline.stream.through-layers"),
        expect="200 with the whole body; the client has it while the background task runs (T last), as for a "
        "response sent in one piece.",
        needs=frozenset({"background-tasks"}),
        scenario=Scenario((LATER_STREAMED,), chain("A", "B", "C")),
        calls=(Call("GET", "/later"),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_websocket(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
