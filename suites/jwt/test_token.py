"""Where the token comes from: the Authorization header's scheme and spacing, malformed tokens, cookies."""

import pytest
from mwconform.suites.jwt.check import COOKIE, JwtCase, Step, check
from mwconform.suites.jwt.tokens import Mint

from mwconform.plugin import Context

CASES = [
    JwtCase(
        id="valid.hs256",
        title="Authorization: Bearer <HS256 {sub=alice, exp=now+600s} signed with the policy secret>",
        requirements=("jwt.token.valid-accepted",),
        expect="200 from the handler, which sees sub=alice in the request context.",
        steps=(Step("accept"),),
    ),
    *(
        JwtCase(
            id=f"scheme.{name}",
            title=f"Authorization: {header.replace('{token}', '<valid HS256 token>')}",
            requirements=requirements,
            expect=expect,
            steps=(Step(outcome, headers=(("Authorization", header),)),),
        )
        for name, header, outcome, requirements, expect in (
            ("lowercase-bearer", "bearer {token}", "accept", ("jwt.header.scheme-case-insensitive",), "Accepted: the scheme name is case-insensitive."),
            ("uppercase-bearer", "BEARER {token}", "accept", ("jwt.header.scheme-case-insensitive",), "Accepted: the scheme name is case-insensitive."),
            ("two-spaces", "Bearer  {token}", "accept", ("jwt.header.whitespace",), 'Accepted: "Bearer" 1*SP b64token allows several spaces.'),
            ("prefix-bearerx", "BearerX {token}", "refuse", ("jwt.header.scheme-exact",), "Refused: BearerX is another scheme, not Bearer."),
            ("no-space", "Bearer{token}", "refuse", ("jwt.header.scheme-exact",), "Refused: without a space there is no Bearer scheme."),
        )
    ),
    *(
        JwtCase(
            id=f"malformed.{name}",
            title=title,
            requirements=("jwt.header.malformed-token",),
            expect="Refused with a 4xx, never a 5xx; the handler does not run.",
            steps=(Step("refuse", token, headers=(("Authorization", header),)),),
        )
        for name, title, token, header in (
            ("not-a-jwt", "Authorization: Bearer invalidtoken", None, "Bearer invalidtoken"),
            ("two-segments", "Authorization: Bearer <header>.<payload> (no signature segment)", Mint(tamper="two-segments"), "Bearer {token}"),
            ("bad-base64", "Authorization: Bearer <header>.<payload starting with '!'>.<signature>", Mint(tamper="bad-base64"), "Bearer {token}"),
            ("header-not-json", "Authorization: Bearer <base64url('not json')>.<payload>.<valid HMAC>", Mint(tamper="header-not-json"), "Bearer {token}"),
            ("payload-not-json", "Authorization: Bearer <header>.<base64url('{\"sub\": \"alice\",')>.<valid HMAC>", Mint(tamper="payload-not-json"), "Bearer {token}"),
            ("empty-token", "Authorization: Bearer (no token)", None, "Bearer"),
        )
    ),
    JwtCase(
        id="query.not-configured",
        title="GET /private?access_token=<valid HS256 token>, no Authorization; the policy reads the header only",
        requirements=("jwt.header.query-opt-in",),
        expect="Refused: a token in the URI is not a token source (RFC 6750 §2.3: it leaks into logs, Referer and history).",
        steps=(Step("refuse", headers=(), path="/private?access_token={token}"),),
    ),
    JwtCase(
        id="cookie.not-configured",
        title="Cookie: access_token=<valid HS256 token>, no Authorization; the policy reads the header only",
        requirements=("jwt.header.cookie-opt-in",),
        expect="Refused: a cookie is not a token source unless the policy names it (CSRF).",
        steps=(Step("refuse", headers=(("Cookie", "access_token={token}"),)),),
    ),
    JwtCase(
        id="cookie.configured",
        title="Cookie: access_token=<valid HS256 token>, no Authorization; the policy reads cookie access_token",
        requirements=("jwt.header.cookie-opt-in", "jwt.token.valid-accepted"),
        expect="200 from the handler, which sees sub=alice.",
        policy=COOKIE,
        steps=(Step("accept", headers=(("Cookie", "access_token={token}"),)),),
    ),
    JwtCase(
        id="cookie.and-header",
        title="Cookie: access_token=<valid token> and Authorization: Bearer <valid token>; the policy reads cookie access_token",
        requirements=("jwt.response.invalid-request",),
        expect='400 with Bearer error="invalid_request": more than one method of sending a token.',
        policy=COOKIE,
        steps=(Step("invalid_request", headers=(("Cookie", "access_token={token}"), ("Authorization", "Bearer {token}"))),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_token(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
