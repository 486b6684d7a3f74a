"""Request context: values shared along the chain, rewritten route parameters, no leaks between requests."""

import pytest
from mwconform.reference.scenario import Call, ExposeContext, Handler, Probe, Rewrite, Route, Scenario, SetContext
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

SLUG = "/post/{slug:[a-z0-9]+(?:-[a-z0-9]+)*}"

CASES = [
    PipelineCase(
        id="context.visible-along-the-chain",
        title="A sets user=alice; B exposes it on the way out; GET /ok",
        requirements=("pipeline.context.visible",),
        expect="The handler's echo and B's x-ctx-user header both show alice.",
        needs=frozenset({"context"}),
        scenario=Scenario((Route("GET", "/ok"),), (Probe("A", request=SetContext("user", "alice")), Probe("B", response=ExposeContext("user")))),
        calls=(Call("GET", "/ok"),),
    ),
    PipelineCase(
        id="context.seed-004-slug-rewrite",
        title="convert_slug_to_underscore rewrites slug; GET /post/foo-bar-baz",
        requirements=("pipeline.context.params-rewrite",),
        expect="The Sanic guide's example: the handler receives slug=foo_bar_baz.",
        needs=frozenset({"rewrite-params"}),
        scenario=Scenario((Route("GET", SLUG),), (Probe("convert_slug_to_underscore", request=Rewrite("slug", "underscore"), response=None),)),
        calls=(Call("GET", "/post/foo-bar-baz"),),
    ),
    PipelineCase(
        id="context.100-concurrent-requests",
        title="100 interleaved GET /slow, each with its own x-val copied into the context by A",
        requirements=("pipeline.context.isolation", "pipeline.phase.once"),
        expect="Every response echoes its own x-val (body and x-ctx-val header) and every trace is complete.",
        needs=frozenset({"context"}),
        scenario=Scenario(
            (Route("GET", "/slow", Handler(delay=0.005)),),
            (Probe("A", request=SetContext("val", from_header="x-val")), Probe("B", response=ExposeContext("val"))),
        ),
        calls=tuple(Call("GET", "/slow", (("x-val", f"v{i}"),)) for i in range(100)),
        concurrent=True,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_context(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
