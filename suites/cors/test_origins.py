"""Misconfiguration classes: hostile origins that a careless matcher would share with."""

from typing import Any

import pytest
from mwconform.suites.cors.check import A, Blocked, CorsCase, E, ExactEcho, NoCorsHeaders, NoCredentials, NotFrom, check, get
from mwconform.suites.cors.policies import LIST, REGEX, SUBDOMAINS

from mwconform.plugin import Context

# (label, policy name, policy, hostile origin, requirement, the matching bug it catches)
HOSTILE: tuple[tuple[str, str, Any, str, str, str], ...] = (
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
#: PortSwigger's characters that sloppy host parsers take for the end of a host name (Safari sends
#: such origins): an allowed host followed by one of them and the attacker's domain.
SPECIAL = (("underscore", "_"), ("backtick", "`"), ("brace", "}"), ("bang", "!"), ("percent-60", "%60"))
HOSTILE += tuple(
    (f"list-{name}-after-host", "list", LIST, f"{A}{char}.evil.net", "cors.origin.anchored", f"a host cut short at {char!r}")
    for name, char in SPECIAL
) + (
    ("subdomains-underscore-after-host", "subdomains-of-example.com", SUBDOMAINS, "https://api.example.com_.evil.net", "cors.origin.anchored", "a host cut short at '_'"),
    ("regex-backtick-after-host", "regex", REGEX, "https://api.example.com`.evil.net", "cors.origin.anchored", "a host cut short at '`'"),
)
#: Origins that differ from an allowed one only in letter case: never sent by a browser (hosts are
#: serialized in lowercase), so refusing them and echoing them byte for byte are both conforming.
CASE_VARIANTS = (
    ("list-uppercase-host", "list", LIST, "https://APP.example.com"),
    ("list-uppercase-scheme", "list", LIST, "HTTPS://app.example.com"),
    ("subdomains-uppercase-host", "subdomains-of-example.com", SUBDOMAINS, "https://API.Example.com"),
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
        expect=(
            f"The second answer is not shared with {E} and names no {A}: nothing of the first request's answer is reused "
            "(headers a refused origin gets on every request are graded by origin.list-reflection-quiet and origin.list-refused-credentials)."
        ),
        policy=LIST,
        before=(get(A, cookie=True),),
        call=get(E, cookie=True),
        checks=(Blocked(E), NotFrom(A)),
    ),
    CorsCase(
        id="origin.list-refused-credentials",
        title=f"list policy with credentials; GET /r with Origin: {E} and a cookie",
        requirements=("cors.credentials.refused-origin",),
        expect="No Access-Control-Allow-Credentials: a refused origin is not told that credentials are allowed.",
        policy=LIST,
        call=get(E, cookie=True),
        checks=(NoCredentials(f"to the refused origin {E}"),),
    ),
] + [
    CorsCase(
        id=f"origin.{label}",
        title=f"{policy_name} policy; GET /r with Origin: {origin} and a cookie",
        requirements=("cors.origin.exact-echo",),
        expect=f"Refused, or shared by echoing {origin!r} byte for byte; never answered with a lowercased or configured spelling.",
        policy=policy,
        call=get(origin, cookie=True),
        checks=(ExactEcho(origin),),
    )
    for label, policy_name, policy, origin in CASE_VARIANTS
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_origins(case: CorsCase, mwc: Context) -> None:
    check(case, mwc)
