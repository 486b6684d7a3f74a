"""Registered claims: exp, nbf and iat at the edges, with and without leeway; NumericDate types; aud; iss."""

import pytest
from mwconform.suites.jwt.check import AUD, AUDIENCE, HS256, ISS, ISSUER, LEEWAY_30, REQUIRE_EXP, JwtCase, Step, check
from mwconform.suites.jwt.tokens import Mint, Now

from mwconform.plugin import Context

TIMES = (
    # id, claims besides sub, policy, outcome, requirements, expectation
    ("exp-past", (("exp", Now(-60)),), HS256, "refuse", ("jwt.claims.exp",), "Refused: the token expired a minute ago."),
    ("exp-now", (("exp", Now(0)),), HS256, "refuse", ("jwt.claims.exp",), "Refused: exp is the first instant the token is no longer valid."),
    ("exp-within-leeway", (("exp", Now(-20)),), LEEWAY_30, "accept", ("jwt.claims.leeway",), "Accepted: 20 s past exp is inside the 30 s leeway."),
    ("exp-beyond-leeway", (("exp", Now(-40)),), LEEWAY_30, "refuse", ("jwt.claims.exp", "jwt.claims.leeway"), "Refused: 40 s past exp is outside the 30 s leeway."),
    ("nbf-future", (("exp", Now(600)), ("nbf", Now(20))), HS256, "refuse", ("jwt.claims.nbf",), "Refused: the token is not valid for another 20 s."),
    ("nbf-now", (("exp", Now(600)), ("nbf", Now(0))), HS256, "accept", ("jwt.claims.nbf",), "Accepted: nbf is the first instant the token is valid."),
    ("nbf-within-leeway", (("exp", Now(600)), ("nbf", Now(20))), LEEWAY_30, "accept", ("jwt.claims.leeway",), "Accepted: nbf 20 s ahead is inside the 30 s leeway."),
    ("nbf-beyond-leeway", (("exp", Now(600)), ("nbf", Now(40))), LEEWAY_30, "refuse", ("jwt.claims.nbf", "jwt.claims.leeway"), "Refused: nbf 40 s ahead is outside the 30 s leeway."),
    ("iat-future", (("exp", Now(600)), ("iat", Now(60))), HS256, "refuse", ("jwt.claims.iat-future",), "Refused: a token issued a minute in the future."),
    ("iat-within-leeway", (("exp", Now(600)), ("iat", Now(20))), LEEWAY_30, "accept", ("jwt.claims.leeway",), "Accepted: iat 20 s ahead is inside the 30 s leeway."),
    ("exp-not-a-number", (("exp", "tomorrow"),), HS256, "refuse", ("jwt.claims.numeric-date",), 'Refused: "tomorrow" is not a NumericDate.'),
    ("nbf-boolean", (("exp", Now(600)), ("nbf", True)), HS256, "refuse", ("jwt.claims.numeric-date",), "Refused: true is not a NumericDate."),
    ("exp-missing-required", (), REQUIRE_EXP, "refuse", ("jwt.claims.required",), "Refused: the policy requires exp and the token has none."),
)

AUD_ISS = (
    ("aud-exact", (("aud", AUDIENCE),), AUD, "accept", ("jwt.claims.aud",), "Accepted: aud is the configured audience."),
    ("aud-in-array", (("aud", ["api://other", AUDIENCE]),), AUD, "accept", ("jwt.claims.aud",), "Accepted: the configured audience is one of the aud values."),
    ("aud-wrong", (("aud", "api://other"),), AUD, "refuse", ("jwt.claims.aud",), "Refused: the server is not the audience."),
    ("aud-absent", (), AUD, "refuse", ("jwt.claims.aud",), "Refused: an audience is configured and the token names none."),
    ("aud-unexpected", (("aud", AUDIENCE),), HS256, "refuse", ("jwt.claims.aud",), "Refused: the token is meant for an audience and the server identifies as none."),
    ("iss-exact", (("iss", ISSUER),), ISS, "accept", ("jwt.claims.iss",), "Accepted: iss is the configured issuer."),
    ("iss-absent", (), ISS, "refuse", ("jwt.claims.iss",), "Refused: an issuer is configured and the token names none."),
    *(
        (f"iss-{name}", (("iss", value),), ISS, "refuse", ("jwt.claims.iss",), f"Refused: {value!r} is not exactly {ISSUER!r} (CVE-2024-53861).")
        for name, value in (
            ("prefix", "https://issuer.exam"),
            ("suffixed", "https://issuer.example.evil"),
            ("bare-host", "issuer"),
            ("http", "http://issuer.example"),
        )
    ),
)


def _claims(extra: tuple, exp: bool) -> tuple:
    return (("sub", "alice"), *((("exp", Now(600)),) if exp else ()), *extra)


CASES = [
    JwtCase(
        id=f"claims.{name}",
        title=f"Bearer <HS256 {{sub=alice, {', '.join(f'{k}={v}' for k, v in extra) or 'no exp'}}}>; policy "
        + (f"leeway {policy.leeway}s" if policy.leeway else "leeway 0")
        + (f", requires {', '.join(policy.required)}" if policy.required else ""),
        requirements=requirements,
        expect=expect,
        policy=policy,
        steps=(Step(outcome, Mint(claims=_claims(extra, exp=False))),),
    )
    for name, extra, policy, outcome, requirements, expect in TIMES
] + [
    JwtCase(
        id=f"claims.{name}",
        title=f"Bearer <HS256 {{sub=alice, exp=now+600s{''.join(f', {k}={v}' for k, v in extra)}}}>; policy "
        + (f"audience {policy.audience!r}" if policy.audience else "")
        + (f"issuer {policy.issuer!r}" if policy.issuer else "")
        + ("" if policy.audience or policy.issuer else "without audience"),
        requirements=requirements,
        expect=expect,
        policy=policy,
        steps=(Step(outcome, Mint(claims=_claims(extra, exp=True))),),
    )
    for name, extra, policy, outcome, requirements, expect in AUD_ISS
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_claims(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
