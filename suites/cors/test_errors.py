"""Error and short-circuit responses keep their CORS headers (so the browser can read them)."""

import pytest
from mwconform.reference.scenario import Handler, Probe, Respond, Route
from mwconform.suites.cors.check import ROUTES, A, CorsCase, E, Header, Shared, Status, check, get
from mwconform.suites.cors.policies import LIST, STAR

from mwconform.plugin import Context

AUTH = Probe("auth", request=Respond(401, "log in first"), response=None)

ERRORS = (
    ("handler-403", "GET /forbid (handler answers 403)", "/forbid", "GET", 403, ()),
    ("unknown-path-404", "GET /nope (no such route)", "/nope", "GET", 404, ()),
    ("wrong-method-405", "POST /r (only GET, PUT, DELETE routed)", "/r", "POST", 405, ()),
    ("handler-crash-500", "GET /boom (handler raises RuntimeError)", "/boom", "GET", 500, ()),
    ("auth-short-circuit-401", "GET /r with an auth layer inside CORS answering 401", "/r", "GET", 401, (AUTH,)),
)

CASES = [
    CorsCase(
        id=f"error.{label}{suffix}",
        title=f"{policy_name} policy; {desc}, Origin: {origin}{' and a cookie' if credentials else ''}",
        requirements=("cors.actual.error-responses",),
        expect=f"Status {status}, readable by a {'credentialed ' if credentials else ''}page at {origin}.",
        policy=policy,
        chain=chain,
        call=get(origin, path, method, cookie=credentials),
        checks=(Status(status), Shared(origin, credentials)),
    )
    for suffix, policy_name, policy, origin, credentials in (("", "list", LIST, A, True), ("-wildcard", "*", STAR, E, False))
    for label, desc, path, method, status, chain in ERRORS
]
#: An inner session layer's fields on the HTTP error it lets through (aiohttp-session saves the
#: session onto a raised HTTPException's headers and re-raises it).
INNER = (("Set-Cookie", "sid=rotated; Path=/; HttpOnly"), ("X-Session", "rotated"))
CASES += [
    CorsCase(
        id=f"error.inner-headers-on-raised-401{suffix}",
        title=f"{policy_name} policy; GET /session-401 raising a 401 that carries Set-Cookie: sid=rotated and X-Session: rotated, Origin: {origin}",
        requirements=("cors.actual.inner-headers", "cors.actual.error-responses"),
        expect=f"Status 401, readable by a {'credentialed ' if credentials else ''}page at {origin}, with the inner layer's Set-Cookie and X-Session kept.",
        policy=policy,
        routes=(*ROUTES, Route("GET", "/session-401", Handler(raise_status=401, headers=INNER))),
        call=get(origin, "/session-401", cookie=credentials),
        checks=(Status(401), Shared(origin, credentials), *(Header(n, v) for n, v in INNER)),
    )
    for suffix, policy_name, policy, origin, credentials in (("", "list", LIST, A, True), ("-wildcard", "*", STAR, E, False))
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_errors(case: CorsCase, mwc: Context) -> None:
    check(case, mwc)
