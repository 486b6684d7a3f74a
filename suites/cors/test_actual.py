"""Actual (non-preflight) requests: who is shared with, credentials, exposed headers, Vary."""

import pytest
from mwconform.reference.scenario import Handler, Route
from mwconform.suites.cors.check import (
    ROUTES,
    A,
    B,
    CorsCase,
    CredentialsTrue,
    E,
    Exposed,
    NoCredentials,
    Shared,
    SingleAllowOrigin,
    Status,
    Vary,
    check,
    get,
    preflight_call,
)
from mwconform.suites.cors.policies import CREDENTIALED_STARS, LIST, ONE_ORIGIN_STARS, PLAIN, REGEX, STAR, STAR_EXPOSE, SUBDOMAINS

from mwconform.plugin import Context

ALLOW_ORIGIN = ("cors.actual.allow-origin",)

CASES = [
    CorsCase(
        id=f"actual.allowed-{label}",
        title=f"{policy_name} policy; GET /r with Origin: {origin}{' and a cookie' if credentials else ''}",
        requirements=ALLOW_ORIGIN,
        expect=f"Access-Control-Allow-Origin lets a {'credentialed ' if credentials else ''}read from {origin} through.",
        policy=policy,
        call=get(origin, cookie=credentials),
        checks=(Shared(origin, credentials),),
    )
    for label, policy_name, policy, origin, credentials in (
        ("first-listed-origin", "list", LIST, A, True),
        ("second-listed-origin", "list", LIST, B, True),
        ("subdomain-rule", "subdomains-of-example.com", SUBDOMAINS, "https://api.example.com", True),
        ("regex", "regex", REGEX, "https://api.example.com", True),
        ("wildcard", "*", STAR, E, False),
    )
] + [
    CorsCase(
        id="actual.single-allow-origin",
        title=f"list policy; GET /r with Origin: {A} and a cookie",
        requirements=("cors.actual.single-allow-origin",),
        expect="One Access-Control-Allow-Origin field with the one origin.",
        policy=LIST,
        call=get(A, cookie=True),
        checks=(SingleAllowOrigin(),),
    ),
    CorsCase(
        id="actual.single-allow-origin-handler-set-one",
        title=f"list policy; GET /legacy (handler sets Access-Control-Allow-Origin: *) with Origin: {A} and a cookie",
        requirements=("cors.actual.single-allow-origin",),
        expect="The CORS layer's value replaces the handler's: one field, the request's origin, shared with credentials.",
        policy=LIST,
        call=get(A, "/legacy", cookie=True),
        checks=(SingleAllowOrigin(), Shared(A, True)),
    ),
    CorsCase(
        id="actual.credentials-exact-true",
        title=f"list policy with credentials; GET /r with Origin: {A} and a cookie",
        requirements=("cors.credentials.exact-true",),
        expect="Access-Control-Allow-Credentials: true, spelled exactly so, once.",
        policy=LIST,
        call=get(A, cookie=True),
        checks=(CredentialsTrue(),),
    ),
    CorsCase(
        id="actual.wildcard-with-cookie",
        title=f"* policy without credentials; GET /r with Origin: {E} and a cookie",
        requirements=("cors.credentials.no-wildcard",),
        expect="A non-credentialed read is shared; the cookie never makes the answer reflect the origin with credentials.",
        policy=STAR,
        call=get(E, cookie=True),
        checks=(Shared(E, False), NoCredentials()),
    ),
    CorsCase(
        id="actual.credentialed-wildcards",
        title=f"one-origin policy with credentials and methods/headers/expose *; GET /r with Origin: {A} and a cookie",
        requirements=("cors.credentials.no-wildcard", "cors.actual.expose-headers"),
        expect="A credentialed read is shared and X-Request-Id is exposed by name, since * exposes nothing to it.",
        policy=CREDENTIALED_STARS,
        call=get(A, cookie=True),
        checks=(Shared(A, True), Exposed("X-Request-Id", True)),
    ),
    CorsCase(
        id="actual.expose-listed",
        title=f"list policy exposing x-request-id; GET /r with Origin: {A} and a cookie",
        requirements=("cors.actual.expose-headers",),
        expect="A credentialed page can read X-Request-Id.",
        policy=LIST,
        call=get(A, cookie=True),
        checks=(Exposed("X-Request-Id", True),),
    ),
    CorsCase(
        id="actual.expose-wildcard",
        title=f"* policy exposing *; GET /r with Origin: {E}",
        requirements=("cors.actual.expose-headers",),
        expect="A non-credentialed page can read X-Request-Id (listed or through *).",
        policy=STAR_EXPOSE,
        call=get(E),
        checks=(Exposed("X-Request-Id", False),),
    ),
] + [
    CorsCase(
        id=f"actual.streamed{suffix}",
        title=f"{policy_name} policy; GET /stream (the handler streams its body in two chunked writes) with Origin: {origin}{' and a cookie' if credentials else ''}",
        requirements=("cors.actual.streamed",),
        expect=f"Status 200, readable by a {'credentialed ' if credentials else ''}page at {origin}: a streamed answer gets the same CORS headers.",
        policy=policy,
        routes=(*ROUTES, Route("GET", "/stream", Handler(headers=(("X-Request-Id", "42"),), stream=True))),
        call=get(origin, "/stream", cookie=credentials),
        checks=(Status(200), Shared(origin, credentials)),
    )
    for suffix, policy_name, policy, origin, credentials in (("", "list", LIST, A, True), ("-wildcard", "*", STAR, E, False))
] + [
    CorsCase(
        id=f"credentials-off.actual-{label}",
        title=f"{policy_name} policy without credentials; GET /r with Origin: {A} and a cookie",
        requirements=("cors.credentials.off", "cors.actual.allow-origin"),
        expect=f"Shared with a non-credentialed read from {A}, and no Access-Control-Allow-Credentials: the policy allows no credentialed read.",
        policy=policy,
        call=get(A, cookie=True),
        checks=(Shared(A, False), NoCredentials()),
    )
    for label, policy_name, policy in (("one-origin", "one-origin", PLAIN), ("one-origin-stars", "one-origin with methods/headers/expose *", ONE_ORIGIN_STARS))
] + [
    CorsCase(
        id=f"vary.{label}",
        title=f"list policy; {call} with {desc}",
        requirements=("cors.vary.origin",),
        expect="The answer depends on Origin, so Vary names Origin.",
        policy=LIST,
        call=call,
        checks=(Vary(("Origin",)),),
    )
    for label, desc, call in (
        ("allowed-origin", f"Origin: {A}", get(A)),
        ("disallowed-origin", f"Origin: {E}", get(E)),
        ("no-origin", "no Origin", get(None)),
        ("preflight", f"Origin: {A}, Access-Control-Request-Method: PUT", preflight_call(A, "PUT")),
    )
] + [
    CorsCase(
        id="vary.merged-with-handler",
        title=f"list policy; GET /r (handler sends Vary: Accept-Encoding) with Origin: {A}",
        requirements=("cors.vary.merge",),
        expect="Vary names both Accept-Encoding and Origin.",
        policy=LIST,
        call=get(A),
        checks=(Vary(("Accept-Encoding", "Origin")),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_actual(case: CorsCase, mwc: Context) -> None:
    check(case, mwc)
