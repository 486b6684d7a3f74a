"""What a refusal looks like: RFC 6750 statuses and challenges, and no library error text."""

import pytest
from mwconform.suites.jwt.check import AUD, HS256, JwtCase, Step, check
from mwconform.suites.jwt.tokens import Mint, Now

from mwconform.plugin import Context

EXPIRED = Mint(claims=(("sub", "alice"), ("exp", Now(-60))))

CASES = [
    JwtCase(
        id="response.missing-credentials",
        title="GET /private without Authorization",
        requirements=("jwt.response.no-credentials",),
        expect="401 with WWW-Authenticate: Bearer and no error parameter.",
        steps=(Step("challenge", None, headers=()),),
    ),
    JwtCase(
        id="response.foreign-scheme",
        title="GET /private with Authorization: Basic dXNlcjpwYXNz",
        requirements=("jwt.response.no-credentials",),
        expect="401 with WWW-Authenticate: Bearer and no error parameter: another scheme carries no bearer credentials.",
        steps=(Step("challenge", None, headers=(("Authorization", "Basic dXNlcjpwYXNz"),)),),
    ),
    JwtCase(
        id="response.invalid-token-challenge",
        title="Bearer <HS256 token with one bit of its signature flipped>",
        requirements=("jwt.response.invalid-token",),
        expect='401 with WWW-Authenticate: Bearer error="invalid_token".',
        steps=(Step("invalid_token", Mint(tamper="flip-signature")),),
    ),
    JwtCase(
        id="response.expired-challenge",
        title="Bearer <HS256 token with exp=now-60s>",
        requirements=("jwt.response.invalid-token",),
        expect='401 with WWW-Authenticate: Bearer error="invalid_token".',
        steps=(Step("invalid_token", EXPIRED),),
    ),
    JwtCase(
        id="response.two-tokens",
        title="Authorization: Bearer <valid token> <valid token>",
        requirements=("jwt.response.invalid-request",),
        expect='400 with WWW-Authenticate: Bearer error="invalid_request": the credentials are malformed.',
        steps=(Step("invalid_request", headers=(("Authorization", "Bearer {token} {token}"),)),),
    ),
    JwtCase(
        id="response.two-fields",
        title="two Authorization fields, each Bearer <valid token>",
        requirements=("jwt.response.invalid-request",),
        expect='400 with WWW-Authenticate: Bearer error="invalid_request": the request repeats the credentials.',
        steps=(Step("invalid_request", headers=(("Authorization", "Bearer {token}"), ("Authorization", "Bearer {token}"))),),
    ),
    JwtCase(
        id="response.empty-token",
        title="Authorization: Bearer (no token)",
        requirements=("jwt.response.invalid-request", "jwt.response.invalid-token"),
        expect='400 error="invalid_request" or 401 error="invalid_token" with a Bearer challenge.',
        steps=(Step("invalid", None, headers=(("Authorization", "Bearer"),)),),
    ),
    *(
        JwtCase(
            id=f"leak.{name}",
            title=title,
            requirements=("jwt.response.no-leak",),
            expect="Refused; neither the reason phrase nor the body shows PyJWT's message or exception name for this token.",
            policy=policy,
            steps=(Step("no-leak", token),),
        )
        for name, title, token, policy in (
            ("bad-signature", "Bearer <HS256 token with one bit of its signature flipped>", Mint(tamper="flip-signature"), HS256),
            ("expired", "Bearer <HS256 token with exp=now-60s>", EXPIRED, HS256),
            ("malformed", "Bearer <header>.<payload> (no signature segment)", Mint(tamper="two-segments"), HS256),
            ("wrong-audience", "Bearer <HS256 token with aud=api://other>; the policy's audience is api://svc", Mint(claims=(("sub", "alice"), ("exp", Now(600)), ("aud", "api://other"))), AUD),
        )
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_response(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
