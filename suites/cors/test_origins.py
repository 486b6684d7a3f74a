"""Misconfiguration classes: hostile origins that a careless matcher would share with."""

import pytest

from mwconform.plugin import Context
from mwconform.suites.cors.check import A, E, Blocked, CorsCase, NoCorsHeaders, check, get
from mwconform.suites.cors.policies import LIST, REGEX, SUBDOMAINS

# (label, policy name, policy, hostile origin, requirement, the matching bug it catches)
HOSTILE = (
    ("list-reflection", "list", LIST, E, "cors.origin.disallowed", "reflecting any origin"),
    ("list-null", "list", LIST, "null", "cors.origin.null", "trusting null"),
    ("list-prefix", "list", LIST, "https://app.example.com.evil.net", "cors.origin.anchored", "a prefix match"),
    ("list-suffix", "list", LIST, "https://evilapp.example.com", "cors.origin.anchored", "a suffix match"),
    ("list-unanchored-end", "list", LIST, "https://app.example.comevil.net", "cors.origin.anchored", "a startswith match"),
    ("list-two-origins-in-one", "list", LIST, f"{A}, {E}", "cors.origin.anchored", "a substring match on a list"),
    ("list-http-scheme", "list", LIST, "http://app.example.com", "cors.origin.scheme-port", "ignoring the scheme"),
    ("list-other-port", "list", LIST, "https://app.example.com:8443", "cors.origin.scheme-port", "ignoring the port"),
    ("list-sibling-subdomain", "list", LIST, "https://other.example.com", "cors.origin.subdomains", "trusting the whole domain"),
    ("regex-unanchored-end", "regex", REGEX, "https://api.example.com.evil.net", "cors.origin.anchored", "re.match/re.search instead of a full match"),
    ("regex-http-scheme", "regex", REGEX, "http://api.example.com", "cors.origin.scheme-port", "ignoring the scheme"),
    ("regex-null", "regex", REGEX, "null", "cors.origin.null", "trusting null"),
    ("subdomains-apex-prefix", "subdomains-of-example.com", SUBDOMAINS, "https://example.com.evil.net", "cors.origin.anchored", "a prefix match"),
    ("subdomains-sub-prefix", "subdomains-of-example.com", SUBDOMAINS, "https://api.example.com.evil.net", "cors.origin.anchored", "an unanchored end"),
    ("subdomains-look-alike", "subdomains-of-example.com", SUBDOMAINS, "https://evil-example.com", "cors.origin.subdomains", "endswith('example.com')"),
    ("subdomains-unescaped-dot", "subdomains-of-example.com", SUBDOMAINS, "https://evilxexample.com", "cors.origin.subdomains", "an unescaped . in the pattern"),
    ("subdomains-http-scheme", "subdomains-of-example.com", SUBDOMAINS, "http://api.example.com", "cors.origin.scheme-port", "ignoring the scheme"),
    ("subdomains-other-port", "subdomains-of-example.com", SUBDOMAINS, "https://api.example.com:8443", "cors.origin.scheme-port", "ignoring the port"),
    ("subdomains-null", "subdomains-of-example.com", SUBDOMAINS, "null", "cors.origin.null", "trusting null"),
)

CASES = [
    CorsCase(
        id=f"origin.{label}",
        title=f"{policy_name} policy; GET /r with Origin: {origin} and a cookie",
        requirements=(requirement,),
        expect=f"Not shared with {origin!r} (catches {bug}).",
        policy=policy,
        call=get(origin, cookie=True),
        checks=(Blocked(origin),),
    )
    for label, policy_name, policy, origin, requirement, bug in HOSTILE
] + [
    CorsCase(
        id="origin.list-reflection-quiet",
        title=f"list policy; GET /r with Origin: {E} and a cookie",
        requirements=("cors.origin.disallowed-quiet",),
        expect="No Access-Control-Allow-* or -Expose-Headers header at all for a disallowed origin.",
        policy=LIST,
        call=get(E, cookie=True),
        checks=(NoCorsHeaders(),),
    ),
    CorsCase(
        id="origin.list-after-allowed-origin",
        title=f"list policy; GET /r from {A} with a cookie, then GET /r from {E} with a cookie",
        requirements=("cors.origin.per-request",),
        expect=f"The second answer is not shared with {E} and carries no CORS headers: nothing of the first request's answer is reused.",
        policy=LIST,
        before=(get(A, cookie=True),),
        call=get(E, cookie=True),
        checks=(Blocked(E), NoCorsHeaders()),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_origins(case: CorsCase, mwc: Context) -> None:
    check(case, mwc)
