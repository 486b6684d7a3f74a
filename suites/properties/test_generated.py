"""Generated scenarios: the subject agrees with the reference under its profile on every example."""

import pytest

from mwconform.plugin import Context
from mwconform.suites.properties.check import PropertyCase, check

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
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_generated(case: PropertyCase, mwc: Context) -> None:
    check(case, mwc)
