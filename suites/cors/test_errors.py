"""Error and short-circuit responses keep their CORS headers (so the browser can read them)."""

import pytest

from mwconform.plugin import Context
from mwconform.reference.scenario import Probe, Respond
from mwconform.suites.cors.check import A, E, CorsCase, Shared, Status, check, get
from mwconform.suites.cors.policies import LIST, STAR

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


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_errors(case: CorsCase, mwc: Context) -> None:
    check(case, mwc)
