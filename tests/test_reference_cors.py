"""Unit tests of the reference CORS policy and middleware (no server)."""

import asyncio

import pytest

from mwconform.reference.cors import CorsMiddleware, CorsPolicy
from mwconform.reference.http import Headers, HTTPError, Request, Response

A = "https://app.example.com"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origins": ("*",), "credentials": True}, "cannot be combined with credentials=True"),
        ({"origins": ("*", A)}, "cannot be combined with other origins"),
        ({"origin_regex": "https://(app"}, "is not a valid regular expression"),
        ({"origins": ("null",)}, "must never be trusted"),
        ({"origins": ("https://app.example.com/",)}, "no path, query, user or trailing slash"),
        ({"origins": ("https://App.example.com",)}, "lowercase"),
        ({"origins": ("https://app.example.com:443",)}, "omit the default port 443"),
        ({"origins": ("http://localhost:80",)}, "omit the default port 80"),
        ({"origins": ("https://app.example.com:99999",)}, "port is not a number"),
        ({"origins": ("app.example.com",)}, "with scheme http or https"),
        ({"subdomains_of": "example.com"}, "CorsPolicy.subdomains_of"),
        ({"methods": ("GET POST",)}, "not an HTTP token"),
        ({"max_age": -1}, "non-negative"),
    ],
)
def test_policy_rejects_what_no_server_may_run(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        CorsPolicy(**kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("policy", "origin", "allowed"),
    [
        (CorsPolicy(origins=(A,)), A, True),
        (CorsPolicy(origins=(A,)), "https://app.example.com.evil.net", False),
        (CorsPolicy(origins=(A,)), "null", False),
        (CorsPolicy(origins=("*",)), "null", True),
        (CorsPolicy(origin_regex=r"https://[a-z]+\.example\.com"), "https://api.example.com", True),
        (CorsPolicy(origin_regex=r"https://[a-z]+\.example\.com"), "https://api.example.com.evil.net", False),
        (CorsPolicy(origin_regex=r".*"), "null", False),
        (CorsPolicy(subdomains_of="https://example.com"), "https://a.b.example.com", True),
        (CorsPolicy(subdomains_of="https://example.com"), "https://example.com", False),
        (CorsPolicy(subdomains_of="https://example.com"), "https://evil-example.com", False),
        (CorsPolicy(subdomains_of="https://example.com"), "https://api.example.com:8443", False),
        (CorsPolicy(subdomains_of="https://example.com:8443"), "https://api.example.com:8443", True),
        (CorsPolicy(subdomains_of="https://example.com"), "http://api.example.com", False),
    ],
)
def test_origin_matching(policy: CorsPolicy, origin: str, allowed: bool) -> None:
    assert policy.allows_origin(origin) is allowed


def preflight(policy: CorsPolicy, method: str, names: str | None = None, origin: str = A) -> Response:
    headers = Headers([("Origin", origin), ("Access-Control-Request-Method", method)])
    if names is not None:
        headers.add("Access-Control-Request-Headers", names)
    response = asyncio.run(CorsMiddleware(policy).on_request(Request("OPTIONS", "/r", headers)))
    assert response is not None
    return response


def test_preflight_is_answered_with_204_and_names_instead_of_stars_under_credentials() -> None:
    policy = CorsPolicy(origins=(A,), credentials=True, methods=("*",), headers=("*",), max_age=60)
    response = preflight(policy, "PUT", "X-Custom,Authorization")
    assert response.status == 204
    assert response.headers.get("Access-Control-Allow-Origin") == A
    assert response.headers.get("Access-Control-Allow-Credentials") == "true"
    assert response.headers.get("Access-Control-Allow-Methods") == "PUT"
    assert response.headers.values("Access-Control-Allow-Headers") == ["x-custom", "authorization"]
    assert response.headers.get("Access-Control-Max-Age") == "60"


@pytest.mark.parametrize(("method", "names"), [("DELETE", None), ("patch", None), ("PUT", "x-forbidden"), ("GET POST", None), ("PUT", "bad header")])
def test_refused_preflight_is_403_without_cors_headers(method: str, names: str | None) -> None:
    response = preflight(CorsPolicy(origins=(A,), methods=("PUT", "PATCH"), headers=("x-custom",)), method, names)
    assert response.status == 403
    assert not [n for n, _ in response.headers if n.lower().startswith("access-control-")]


def test_error_is_converted_and_decorated_with_merged_vary() -> None:
    middleware = CorsMiddleware(CorsPolicy(origins=(A,)))
    request = Request("GET", "/x", Headers([("Origin", A)]))
    response = asyncio.run(middleware.on_error(request, HTTPError(405, Headers([("Allow", "GET"), ("Vary", "Accept-Encoding")]))))
    assert response is not None and response.status == 405
    assert response.headers.get("Allow") == "GET"
    assert response.headers.get("Access-Control-Allow-Origin") == A
    assert response.headers.values("Vary") == ["Accept-Encoding", "Origin"]


def test_inner_allow_origin_is_replaced_and_star_expose_is_listed_under_credentials() -> None:
    middleware = CorsMiddleware(CorsPolicy(origins=(A,), credentials=True, expose=("*",)))
    response = Response(200, Headers([("Access-Control-Allow-Origin", "*"), ("X-Request-Id", "1"), ("Content-Type", "text/plain")]))
    asyncio.run(middleware.on_response(Request("GET", "/x", Headers([("Origin", A)])), response))
    assert response.headers.get_all("Access-Control-Allow-Origin") == [A]
    assert response.headers.values("Access-Control-Expose-Headers") == ["x-request-id", "vary"]
