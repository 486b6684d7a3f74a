"""Generated scenarios: the subject agrees with the reference under its profile on every example."""

import pytest
from mwconform.suites.properties.check import PropertyCase, check, no_server_error
from mwconform.suites.properties.strategies import hostile_examples

from mwconform.plugin import Context

AGREE = (
    "pipeline.order.request",
    "pipeline.order.response",
    "pipeline.phase.once",
    "pipeline.short-circuit.skips-inner",
    "pipeline.short-circuit.response",
    "pipeline.short-circuit.response-phases",
    "pipeline.replace.response-phase",
    "pipeline.error.http-status",
    "pipeline.error.unhandled-500",
    "pipeline.error.response-phases",
    "pipeline.error.middleware-raises",
    "pipeline.error.conversion",
    "pipeline.routing.404-global",
    "pipeline.routing.405-allow",
    "pipeline.context.visible",
)

CASES = [
    PropertyCase(
        id="generated.global-chain",
        title="generated global chains of 0-3 probes (random phases, actions, conversions, priorities) over 1-3 "
        "random routes; 1-3 routed, unmatched and wrong-method requests",
        requirements=AGREE + ("pipeline.order.priority",),
        expect="For every example the status, trace, probe-set headers, Allow and body equal the reference's under "
        "the subject's profile; a failure shows hypothesis' shrunk minimal scenario.",
    ),
    PropertyCase(
        id="generated.route-local-chains",
        title="generated route-local chains (1-2 groups of 0-3 probes) inside a generated global chain, over random "
        "group and global routes; routed, unmatched (also under a prefix) and wrong-method requests",
        requirements=AGREE + ("pipeline.order.priority", "pipeline.order.nesting", "pipeline.route.local-only", "pipeline.route.unmatched-in-group"),
        expect="As for global chains, and each group's chain runs, inside the global one, only for its own routes.",
        needs=frozenset({"route-local"}),
        groups=True,
    ),
    PropertyCase(
        id="generated.hostile-paths",
        title="pass-through A, B around GET /r0/{p} and GET /r1 (and group /g0 with G1 around GET /x0/{p}); GET paths "
        "generated from percent-encoded bytes, broken escapes, dot and empty segments, non-ASCII, 4000-char runs",
        requirements=("pipeline.routing.hostile-paths", "pipeline.phase.once"),
        expect="Every request answers below 500 (a route's 200, 404, 405 or 400) and no phase runs twice; not "
        "compared with the reference, since frameworks decode such paths differently.",
        draw=hostile_examples,
        judge=no_server_error,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_generated(case: PropertyCase, mwc: Context) -> None:
    check(case, mwc)
