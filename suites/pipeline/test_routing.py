"""Routing: 404 and 405 through the global chain, route-local chains and their prefixes."""

import pytest
from mwconform.reference.scenario import Call, Group, Probe, Route, Scenario, SetContext, chain
from mwconform.suites.pipeline.check import PipelineCase, check

from mwconform.plugin import Context

OK = (Route("GET", "/ok"),)
API = Group("api", "/api", chain("G"), (Route("GET", "/x"),))

CASES = [
    PipelineCase(
        id="routing.404-through-global-chain",
        title="global A, B; GET /missing (no such route)",
        requirements=("pipeline.routing.404-global", "pipeline.phase.once"),
        expect="The client gets 404 and A and B run once: onion request phases only (the 404 is raised where the "
        "handler would be); hooks both phases.",
        scenario=Scenario(OK, chain("A", "B")),
        calls=(Call("GET", "/missing"),),
    ),
    PipelineCase(
        id="routing.405-with-allow",
        title="global A, B; POST /ok (only GET is routed)",
        requirements=("pipeline.routing.405-allow", "pipeline.phase.once"),
        expect="The client gets 405 with Allow naming GET, and A and B run as for a 404.",
        scenario=Scenario(OK, chain("A", "B")),
        calls=(Call("POST", "/ok"),),
    ),
    PipelineCase(
        id="route.local-chain-stays-local",
        title="global A; route-local G on /api; GET /ok, GET /api/x",
        requirements=("pipeline.route.local-only",),
        expect="G runs for /api/x only: A> H <A for /ok, A> G> H <G <A for /api/x.",
        needs=frozenset({"route-local"}),
        scenario=Scenario(OK, chain("A"), (API,)),
        calls=(Call("GET", "/ok"), Call("GET", "/api/x")),
    ),
    PipelineCase(
        id="route.request-only-chain",
        title="global A; route-local G on /api sets user=alice in its request phase only; GET /ok, GET /api/x",
        requirements=("pipeline.route.local-only", "pipeline.context.visible"),
        expect="G runs for /api/x only and its handler sees user=alice; /ok runs A alone and sees no user. "
        "(A guard that runs before the handler and never sees the response: FastAPI dependencies, Litestar before_request.)",
        needs=frozenset({"route-local", "split-phases", "context"}),
        scenario=Scenario(OK, chain("A"), (Group("api", "/api", (Probe("G", request=SetContext("user", "alice"), response=None),), (Route("GET", "/x"),)),)),
        calls=(Call("GET", "/ok"), Call("GET", "/api/x")),
    ),
    PipelineCase(
        id="route.prefix-isolation",
        title="route-local G on /api; GET /apiary and GET /api2 (global routes)",
        requirements=("pipeline.route.prefix-isolation",),
        expect="G does not run for /apiary or /api2: a prefix matches whole path segments only.",
        needs=frozenset({"route-local"}),
        scenario=Scenario((Route("GET", "/apiary"), Route("GET", "/api2")), chain("A"), (API,)),
        calls=(Call("GET", "/apiary"), Call("GET", "/api2")),
    ),
    PipelineCase(
        id="route.two-groups",
        title="route-local G on /api and K on /admin; GET /api/x, GET /admin/x",
        requirements=("pipeline.route.local-only",),
        expect="Each request runs only its own group's chain.",
        needs=frozenset({"route-local"}),
        scenario=Scenario(OK, chain("A"), (API, Group("admin", "/admin", chain("K"), (Route("GET", "/x"),)))),
        calls=(Call("GET", "/api/x"), Call("GET", "/admin/x")),
    ),
    PipelineCase(
        id="route.404-under-group-prefix",
        title="global A; route-local G on /api; GET /api/missing",
        requirements=("pipeline.route.unmatched-in-group",),
        expect="404 with only A running: an unmatched path belongs to no route, so no route-local chain runs.",
        needs=frozenset({"route-local"}),
        scenario=Scenario(OK, chain("A"), (API,)),
        calls=(Call("GET", "/api/missing"),),
    ),
    PipelineCase(
        id="route.405-under-group-prefix",
        title="global A; route-local G on /api with only GET /api/x; POST /api/x",
        requirements=("pipeline.route.unmatched-in-group",),
        expect="405 with only A running: no route takes POST /api/x, so no route-local chain runs.",
        needs=frozenset({"route-local"}),
        scenario=Scenario(OK, chain("A"), (API,)),
        calls=(Call("POST", "/api/x"),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_routing(case: PipelineCase, mwc: Context) -> None:
    check(case, mwc)
