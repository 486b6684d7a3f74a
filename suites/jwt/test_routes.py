"""Which requests skip authentication: exactly the public paths, and real CORS preflights only;
never a method of its own (HEAD is GET without the content)."""

import pytest
from mwconform.suites.jwt.check import HS256, PUBLIC, JwtCase, Step, check

from mwconform.plugin import Context

ORIGIN = ("Origin", "https://app.example.com")

CASES = [
    JwtCase(
        id="route.public-exact",
        title="GET /public without a token; the policy's public paths are ['/public']",
        requirements=("jwt.route.public-exact",),
        expect="200 from the handler: the public path needs no token.",
        policy=PUBLIC,
        steps=(Step("pass", None, headers=(), path="/public"),),
    ),
    *(
        JwtCase(
            id=f"route.public-prefix-{path.strip('/').lower() if path != '/PUBLIC' else 'uppercase'}",
            title=f"GET {path} without a token; the policy's public paths are ['/public']",
            requirements=("jwt.route.public-exact",),
            expect=f"Refused: {path} is not /public; public paths match exactly, not by prefix or case-insensitively.",
            policy=PUBLIC,
            steps=(Step("refuse", None, headers=(), path=path),),
        )
        for path in ("/publicity", "/public-admin", "/PUBLIC")
    ),
    JwtCase(
        id="route.preflight-passes",
        title="OPTIONS /private with Origin and Access-Control-Request-Method: GET, without a token",
        requirements=("jwt.route.preflight-passes",),
        expect="The handler answers 200: a CORS preflight never carries credentials and is not refused.",
        policy=HS256,
        steps=(Step("pass", None, headers=(ORIGIN, ("Access-Control-Request-Method", "GET")), method="OPTIONS"),),
    ),
    JwtCase(
        id="route.options-not-preflight",
        title="OPTIONS /private with Origin but no Access-Control-Request-Method, without a token",
        requirements=("jwt.route.preflight-only",),
        expect="Refused: an OPTIONS request without Access-Control-Request-Method is not a preflight and needs a token.",
        policy=HS256,
        steps=(Step("refuse", None, headers=(ORIGIN,), method="OPTIONS"),),
    ),
    JwtCase(
        id="route.head-needs-token",
        title="HEAD /private (a GET route) without a token",
        requirements=("jwt.route.head-authenticated",),
        expect="Refused (4xx, the handler never runs): HEAD is authenticated like the GET it mirrors; a 405 from a framework that routes no HEAD is a refusal too.",
        policy=HS256,
        steps=(Step("refuse", None, headers=(), method="HEAD"),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_routes(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
