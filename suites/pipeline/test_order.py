"""Ordering: request phases in declared order, response phases in reverse, nesting, priorities."""

import pytest
from mwconform.reference.scenario import Call, Group, Probe, Route, Scenario, SetContext, SetHeader, chain
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

GET_OK = (Call("GET", "/ok"),)
OK = (Route("GET", "/ok"),)

CASES = [
    PipelineCase(
        id="order.three-layers",
        title="global A, B, C around GET /ok",
        requirements=("pipeline.order.request", "pipeline.order.response", "pipeline.phase.once"),
        expect="Trace A> B> C> H <C <B <A: request phases in declared order, response phases reversed, each once.",
        scenario=Scenario(OK, chain("A", "B", "C")),
        calls=GET_OK,
    ),
    PipelineCase(
        id="order.headers-added-on-the-way-out",
        title="A, B, C each add x-mw: <name> on the way out of GET /ok",
        requirements=("pipeline.order.response",),
        expect="x-mw lists C, B, A: the innermost layer touches the response first.",
        scenario=Scenario(OK, tuple(Probe(n, response=SetHeader("x-mw", n)) for n in "ABC")),
        calls=GET_OK,
    ),
    PipelineCase(
        id="order.seed-004-request-and-response-middleware",
        title="request middleware_1, middleware_2; response middleware_3, middleware_4; GET /handler",
        requirements=("pipeline.order.request", "pipeline.order.response"),
        expect="The Sanic guide's printed order: middleware_1, middleware_2, ~ handler ~, middleware_4, middleware_3.",
        needs=frozenset({"split-phases"}),
        scenario=Scenario(
            (Route("GET", "/handler"),),
            (
                Probe("middleware_1", response=None),
                Probe("middleware_2", response=None),
                Probe("middleware_3", request=None),
                Probe("middleware_4", request=None),
            ),
        ),
        calls=(Call("GET", "/handler"),),
        documented={
            p: (("middleware_1>", "middleware_2>", "H", "<middleware_4:200", "<middleware_3:200"),) for p in ("onion", "hooks")
        },
    ),
    PipelineCase(
        id="order.global-wraps-route-local",
        title="global A, B; route-local G1, G2 on /api; GET /api/x",
        requirements=("pipeline.order.nesting", "pipeline.route.local-only"),
        expect="Trace A> B> G1> G2> H <G2 <G1 <B <A: the global chain wraps the route-local one.",
        needs=frozenset({"route-local"}),
        scenario=Scenario(OK, chain("A", "B"), (Group("api", "/api", chain("G1", "G2"), (Route("GET", "/x"),)),)),
        calls=(Call("GET", "/api/x"),),
    ),
    PipelineCase(
        id="order.seed-003-route-chain",
        title="route-local middleware1, middleware2 (each setting a context value) on GET /post/",
        requirements=("pipeline.order.nesting", "pipeline.context.visible"),
        expect="aiohttp-route-middleware's printed order: entering 1, entering 2, handler, exiting 2, exiting 1; "
        "the handler sees both values.",
        needs=frozenset({"route-local", "context"}),
        scenario=Scenario(
            groups=(
                Group(
                    "post",
                    "/post",
                    (Probe("middleware1", request=SetContext("first", "foo")), Probe("middleware2", request=SetContext("second", "bar"))),
                    (Route("GET", "/"),),
                ),
            )
        ),
        calls=(Call("GET", "/post/"),),
        documented={"onion": (("middleware1>", "middleware2>", "H", "<middleware2:200", "<middleware1:200"),)},
    ),
    PipelineCase(
        id="order.priority-overrides-declaration",
        title="b (priority 10), a (0), c (-5) declared a, b, c; GET /ok",
        requirements=("pipeline.order.priority",),
        expect="Higher priority runs earlier: b> a> c> H, then the exact reverse <c <a <b.",
        needs=frozenset({"priority"}),
        scenario=Scenario(OK, (Probe("a"), Probe("b", priority=10), Probe("c", priority=-5))),
        calls=GET_OK,
        documented={"hooks": (("b>", "a>", "c>", "H", "<c:200", "<a:200", "<b:200"),)},
    ),
    PipelineCase(
        id="order.equal-priority-keeps-declaration",
        title="x, y, z all priority 5 plus w (priority 0); GET /ok",
        requirements=("pipeline.order.priority",),
        expect="Equal priorities keep their declared order: x> y> z> w> H <w <z <y <x.",
        needs=frozenset({"priority"}),
        scenario=Scenario(OK, (Probe("w"), Probe("x", priority=5), Probe("y", priority=5), Probe("z", priority=5))),
        calls=GET_OK,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_order(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
