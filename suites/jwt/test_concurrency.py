"""Identity under concurrency: interleaved requests each see their own verified identity, or none."""

import pytest
from mwconform.suites.jwt.check import OPEN, JwtCase, Step, check
from mwconform.suites.jwt.tokens import Mint, Now

from mwconform.plugin import Context

BOB = Mint(claims=(("sub", "bob"), ("exp", Now(600))))

CASES = [
    JwtCase(
        id="identity.concurrent",
        title="at once: GET /slow as alice, GET /slow as bob (both answer after 0.4 s), GET /open without a token "
        "(public, answers after 0.2 s); the policy's public paths are ['/open']",
        requirements=("jwt.token.identity-isolation", "jwt.token.valid-accepted"),
        expect="alice's handler sees sub=alice, bob's sees sub=bob, and the anonymous request's handler sees no sub, "
        "though all three are in flight together.",
        policy=OPEN,
        steps=(Step("accept", path="/slow"), Step("accept", BOB, path="/slow"), Step("anonymous", None, headers=(), path="/open")),
        concurrent=True,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_concurrency(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
