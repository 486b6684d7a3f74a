"""Short-circuits: a request phase that answers, a response phase that replaces the response."""

import pytest
from mwconform.reference.scenario import Call, Probe, Respond, Route, Scenario, SetHeader
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

OK = (Route("GET", "/ok"),)
GET_OK = (Call("GET", "/ok"),)


def abc(**overrides: Probe) -> tuple[Probe, ...]:
    """A, B, C adding x-mw on the way out, with some replaced by `overrides`."""
    return tuple(overrides.get(n, Probe(n, response=SetHeader("x-mw", n))) for n in "ABC")


SHORT_CIRCUIT = ("pipeline.short-circuit.skips-inner", "pipeline.short-circuit.response", "pipeline.short-circuit.response-phases")

CASES = [
    PipelineCase(
        id=f"short-circuit.request.{who}",
        title=f"{who} of A, B, C answers {status} in its request phase; GET /ok",
        requirements=SHORT_CIRCUIT,
        expect=f"The client gets {status}; the layers inside {who} and the handler never run. onion: only layers outside "
        f"{who} see the response; hooks: every response hook runs on it.",
        scenario=Scenario(OK, abc(**{who: Probe(who, request=Respond(status, f"halted by {who}"), response=SetHeader("x-mw", who))})),
        calls=GET_OK,
    )
    for who, status in (("A", 403), ("B", 401), ("C", 418))
] + [
    PipelineCase(
        id="short-circuit.seed-004-halt-request",
        title='halt_request answers text("I halted the request") before GET /ok',
        requirements=("pipeline.short-circuit.skips-inner", "pipeline.short-circuit.response"),
        expect="The Sanic guide's early response: the body is the middleware's and the handler is not called.",
        scenario=Scenario(OK, (Probe("halt_request", request=Respond(200, "I halted the request"), response=None),)),
        calls=GET_OK,
    ),
    PipelineCase(
        id="short-circuit.response.replace",
        title="B replaces the response with 202 on its way out of GET /ok",
        requirements=("pipeline.replace.response-phase",),
        expect="The client gets B's 202. onion: A sees the replacement; hooks: the remaining response hooks (A) do not run.",
        needs=frozenset({"response-replace"}),
        scenario=Scenario(OK, abc(B=Probe("B", response=Respond(202, "replaced by B")))),
        calls=GET_OK,
    ),
    PipelineCase(
        id="short-circuit.seed-004-halt-response",
        title='halt_response answers text("I halted the response") after GET /ok',
        requirements=("pipeline.replace.response-phase",),
        expect="The Sanic guide's response-phase early response: the client gets the middleware's body.",
        needs=frozenset({"response-replace", "split-phases"}),
        scenario=Scenario(OK, (Probe("halt_response", request=None, response=Respond(200, "I halted the response")),)),
        calls=GET_OK,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_short_circuit(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
