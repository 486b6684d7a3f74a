"""Errors: HTTP errors and crashes in handlers and middleware, conversion, failing response phases."""

import pytest
from mwconform.reference.scenario import Call, Handler, Probe, Raise, Route, Scenario, SetHeader
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

GET_OK = (Call("GET", "/ok"),)


def abc(**overrides: Probe) -> tuple[Probe, ...]:
    return tuple(overrides.get(n, Probe(n, response=SetHeader("x-mw", n))) for n in "ABC")


def raising(handler: Handler) -> tuple[Route, ...]:
    return (Route("GET", "/ok", handler),)


CASES = [
    PipelineCase(
        id="error.handler-raises-http-404",
        title="handler raises HTTP 404 inside A, B, C; GET /ok",
        requirements=("pipeline.error.http-status", "pipeline.error.response-phases", "pipeline.phase.once"),
        expect="The client gets 404. onion: the exception passes A, B, C without their response phases; "
        "hooks: every response hook sees the 404 response.",
        scenario=Scenario(raising(Handler(raise_status=404)), abc()),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.handler-crashes",
        title="handler raises RuntimeError inside A, B, C; GET /ok",
        requirements=("pipeline.error.unhandled-500", "pipeline.error.response-phases", "pipeline.phase.once"),
        expect="The client gets 500. onion: no response phase runs; hooks: every response hook sees the 500; starlette: no "
        "response phase runs and the 500 is built outside every user middleware (ServerErrorMiddleware); litestar: every layer "
        "sees the 500 its exception handling made around the handler.",
        scenario=Scenario(raising(Handler(crash=True)), abc()),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.middleware-raises-http-409",
        title="B raises HTTP 409 in its request phase; A, B, C around GET /ok",
        requirements=("pipeline.error.middleware-raises", "pipeline.error.http-status", "pipeline.phase.once"),
        expect="The client gets 409; C and the handler never run and B's request phase runs once.",
        scenario=Scenario((Route("GET", "/ok"),), abc(B=Probe("B", request=Raise(409), response=SetHeader("x-mw", "B")))),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.middleware-crashes",
        title="B raises RuntimeError in its request phase; A, B, C around GET /ok",
        requirements=("pipeline.error.middleware-raises", "pipeline.error.unhandled-500", "pipeline.phase.once"),
        expect="The client gets 500; C and the handler never run and B's request phase runs once.",
        scenario=Scenario((Route("GET", "/ok"),), abc(B=Probe("B", request=Raise(None), response=SetHeader("x-mw", "B")))),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.inner-layer-converts-404",
        title="C converts errors to 299; handler raises HTTP 404; A, B, C around GET /ok",
        requirements=("pipeline.error.conversion",),
        expect="The client gets 299. onion: B and A see the converted 299; hooks: C's replacement stops the remaining hooks.",
        needs=frozenset({"error-conversion"}),
        scenario=Scenario(raising(Handler(raise_status=404)), abc(C=Probe("C", convert=299))),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.outer-layer-converts-crash",
        title="A converts errors to 299; handler raises RuntimeError; A, B, C around GET /ok",
        requirements=("pipeline.error.conversion", "pipeline.error.response-phases"),
        expect="The client gets 299. onion: B and C are skipped by the exception and A converts it; hooks: C and B see "
        "the 500, A replaces it.",
        needs=frozenset({"error-conversion"}),
        scenario=Scenario(raising(Handler(crash=True)), abc(A=Probe("A", convert=299))),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.response-phase-raises",
        title="B raises RuntimeError on its way out of GET /ok; A, B, C",
        requirements=("pipeline.error.response-phase-raises",),
        expect="The client gets a 500, never the 200 B was handed. onion: the exception skips A's response phase; "
        "hooks: A sees the 500.",
        scenario=Scenario((Route("GET", "/ok"),), abc(B=Probe("B", response=Raise(None)))),
        calls=GET_OK,
    ),
    PipelineCase(
        id="error.response-phase-raises-http",
        title="B raises HTTP 409 on its way out of GET /ok; A, B, C",
        requirements=("pipeline.error.response-phase-raises", "pipeline.error.http-status"),
        expect="The client gets the 409 (starlette: a 500, as for any error raised by global middleware), never the 200 "
        "B was handed. onion: the exception skips A's response phase; hooks: A sees the 409.",
        scenario=Scenario((Route("GET", "/ok"),), abc(B=Probe("B", response=Raise(409)))),
        calls=GET_OK,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_errors(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
