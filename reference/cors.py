"""The reference CORS policy and middleware (WHATWG Fetch, "CORS protocol", §3.2).

`CorsPolicy` is plain frozen data every subject is configured from; it rejects, when built, what
no server may be configured to do (a wildcard origin with credentials, an unparsable pattern).
`CorsMiddleware` is the reference behaviour the `cors` suite grades subjects against. It sits
outermost (DESIGN.md) and:

- answers every CORS-preflight request itself, with 204 when allowed and 403 without CORS headers
  when not (Fetch §3.2.3 "the 403 status can be used, coupled with omitting the relevant headers"),
  so a preflight never reaches authentication or the handler;
- decorates every actual response to an allowed origin, error and short-circuit responses
  included, echoing the request's `Origin` bytes (Fetch §4.10 CORS check compares bytes);
- merges `Vary: Origin` into the response's own `Vary` whenever the answer depends on the origin
  (Fetch "CORS protocol and HTTP caches");
- never answers `*` (origin, methods, headers, exposed headers) where credentials are allowed,
  because `*` is only a wildcard for requests without credentials (Fetch §3.2.4).

Sections: https://fetch.spec.whatwg.org/#http-cors-protocol, #cors-preflight-fetch, #cors-check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .http import Headers, HTTPError, Request, Response, error_response
from .pipeline import Middleware

WILDCARD = "*"

# RFC 9110 §5.6.2 token: methods and field names.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A host label of letters, digits and inner hyphens (RFC 1123), used by the subdomain rule.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"

#: Fetch §2.2.1 CORS-safelisted methods: a browser never needs them approved.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
#: Response headers a browser always exposes (Fetch "CORS-safelisted response-header name").
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {"cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"}
)

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"
REQUEST_METHOD = "Access-Control-Request-Method"
REQUEST_HEADERS = "Access-Control-Request-Headers"
#: Private Network Access (WICG): the preflight asks, a policy that opts in answers `true`.
REQUEST_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"
ALLOW_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
CORS_RESPONSE_HEADERS = (ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS, ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_problem(origin: str) -> str | None:
    """Why `origin` is not a serialized https/http origin (`scheme://host[:port]`), or None."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it is not scheme://host[:port] with scheme http or https"
    if parts.path or parts.query or parts.fragment or parts.username or origin.endswith("/"):
        return "an origin has no path, query, user or trailing slash"
    if origin != origin.lower():
        return "browsers send origins in lowercase and compare them byte for byte"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 0 to 65535"
    if port == _DEFAULT_PORTS[parts.scheme]:
        return f"browsers omit the default port {port} of {parts.scheme} and compare origins byte for byte"
    return None


def _tokens(field: str, values: Iterable[str]) -> None:
    for value in values:
        if value != WILDCARD and not _TOKEN.fullmatch(value):
            raise ValueError(f"CorsPolicy.{field}: {value!r} is not an HTTP token; give names like 'PUT' or 'x-custom', or '*'")


@dataclass(frozen=True)
class CorsPolicy:
    """Who may read responses cross-origin, and with which methods and headers.

    An origin is allowed when it is in `origins` (exact bytes, e.g. `https://app.example.com`),
    or `origins` is `("*",)`, or it matches `origin_regex` in full, or it is an origin with the
    scheme and port of `subdomains_of` whose host ends in `.` plus its host (the apex itself is
    not included). `methods`, `headers` and `expose` may be `("*",)`; `max_age` is in seconds.
    `private_network` opts in to Private Network Access: an approved preflight that asks for it
    gets `Access-Control-Allow-Private-Network: true`. Construction raises ValueError, naming the field and what is accepted, for anything else.
    """

    origins: tuple[str, ...] = ()
    origin_regex: str | None = None
    subdomains_of: str | None = None
    credentials: bool = False
    methods: tuple[str, ...] = ("GET", "HEAD", "POST")
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    max_age: int | None = None
    private_network: bool = False

    def __post_init__(self) -> None:
        if WILDCARD in self.origins:
            if len(self.origins) > 1 or self.origin_regex or self.subdomains_of:
                raise ValueError("CorsPolicy.origins: '*' allows every origin and cannot be combined with other origins or patterns")
            if self.credentials:
                raise ValueError(
                    "CorsPolicy: origins '*' cannot be combined with credentials=True (Fetch §3.2.5: "
                    "Access-Control-Allow-Origin cannot be * when credentials are included); list the origins or use a pattern"
                )
        for origin in self.origins if self.origins != (WILDCARD,) else ():
            if origin == "null":
                raise ValueError("CorsPolicy.origins: 'null' is sent by sandboxed and file: documents and must never be trusted")
            if problem := _origin_problem(origin):
                raise ValueError(f"CorsPolicy.origins: {origin!r} is not an origin: {problem}; e.g. 'https://app.example.com'")
        if self.origin_regex is not None:
            try:
                re.compile(self.origin_regex)
            except re.error as exc:
                raise ValueError(f"CorsPolicy.origin_regex: {self.origin_regex!r} is not a valid regular expression ({exc})") from None
        if self.subdomains_of is not None and (problem := _origin_problem(self.subdomains_of)):
            raise ValueError(f"CorsPolicy.subdomains_of: {self.subdomains_of!r} is not an origin: {problem}; e.g. 'https://example.com'")
        _tokens("methods", self.methods)
        _tokens("headers", self.headers)
        _tokens("expose", self.expose)
        if self.max_age is not None and (not isinstance(self.max_age, int) or self.max_age < 0):
            raise ValueError(f"CorsPolicy.max_age: {self.max_age!r} is not a non-negative whole number of seconds")

    @property
    def any_origin(self) -> bool:
        return self.origins == (WILDCARD,)

    def allows_origin(self, origin: str) -> bool:
        """Is `origin` (the request's `Origin` bytes) allowed? `null` and `` only under `*`. Never raises."""
        if self.any_origin:
            return True
        if origin in ("", "null"):  # no pattern may trust sandboxed documents by accident
            return False
        if origin in self.origins:
            return True
        if self.origin_regex is not None and re.fullmatch(self.origin_regex, origin):
            return True
        return self.subdomains_of is not None and _subdomain_of(origin, self.subdomains_of)

    def allows_method(self, method: str) -> bool:
        """Case-sensitive, as in Fetch: `patch` is not `PATCH` (only six methods are normalised)."""
        return WILDCARD in self.methods or method in self.methods

    def allows_header(self, name: str) -> bool:
        return WILDCARD in self.headers or name.lower() in {h.lower() for h in self.headers}


def _subdomain_of(origin: str, base: str) -> bool:
    scheme, _, rest = base.partition("://")
    host, _, port = rest.partition(":")
    suffix = f"(?::{re.escape(port)})" if port else ""
    return re.fullmatch(f"{re.escape(scheme)}://(?:{_LABEL}\\.)+{re.escape(host)}{suffix}", origin) is not None


def is_preflight(request: Request) -> bool:
    """Fetch §3.2.2: OPTIONS with `Origin` and `Access-Control-Request-Method`."""
    return request.method == "OPTIONS" and REQUEST_METHOD in request.headers and "Origin" in request.headers


def merge_vary(headers: Headers, *names: str) -> None:
    """Add `names` to the response's `Vary` (one field), keeping what is there; `*` covers all. Never raises."""
    present = headers.values("Vary")
    if WILDCARD in present:
        return
    missing = [n for n in names if n.lower() not in {p.lower() for p in present}]
    if missing:
        headers.set("Vary", ", ".join([*present, *missing]))


class CorsMiddleware(Middleware):
    """The reference CORS layer; put it first (outermost) in the chain."""

    name = "cors"

    def __init__(self, policy: CorsPolicy) -> None:
        self.policy = policy

    async def on_request(self, request: Request) -> Response | None:
        if not is_preflight(request):
            return None
        return self.preflight(request)

    async def on_response(self, request: Request, response: Response) -> Response | None:
        if not is_preflight(request):  # hooks profiles hand the preflight answer back to us
            self.decorate(request, response)
        return None

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        """Turn what escapes the inner layers into its error response, so a browser can read it."""
        response = error_response(error)
        if isinstance(error, HTTPError):
            response.headers = error.headers.copy()
        self.decorate(request, response)
        return response

    # Matching and Vary go through these methods so each rule has one place to change.
    def origin_allowed(self, origin: str) -> bool:
        return self.policy.allows_origin(origin)

    def method_allowed(self, method: str) -> bool:
        return self.policy.allows_method(method)

    def header_allowed(self, name: str) -> bool:
        return self.policy.allows_header(name)

    def vary(self, headers: Headers, *names: str) -> None:
        merge_vary(headers, *names)

    def preflight(self, request: Request) -> Response:
        """The answer to a CORS-preflight request: 204 approving it, or 403 without CORS headers. Never raises."""
        policy, headers = self.policy, Headers()
        # The answer (approval, echoed method and header names) depends on the two request
        # headers under every policy, and on Origin unless the policy is `*`.
        self.vary(headers, *(() if policy.any_origin else ("Origin",)), REQUEST_METHOD, REQUEST_HEADERS)
        origin = request.headers.get("Origin") or ""
        method = request.headers.get(REQUEST_METHOD) or ""
        names = self.requested_headers(request)
        allowed = (
            self.origin_allowed(origin)
            and _TOKEN.fullmatch(method) is not None
            and self.method_allowed(method)
            and names is not None
            and all(self.header_allowed(n) for n in names)
        )
        if not allowed:
            return Response(403, headers, b"")
        headers.set(ALLOW_ORIGIN, self.allow_origin(origin))
        if policy.credentials:
            headers.set(ALLOW_CREDENTIALS, "true")
        # `*` is no wildcard for a credentialed request, so then name the method and headers asked for.
        explicit = [m for m in policy.methods if m != WILDCARD]
        headers.set(ALLOW_METHODS, ", ".join(explicit) if WILDCARD not in policy.methods else method)
        if names:
            headers.set(ALLOW_HEADERS, ", ".join(names))
        if policy.max_age is not None:
            headers.set(MAX_AGE, str(policy.max_age))
        if policy.private_network and (request.headers.get(REQUEST_PRIVATE_NETWORK) or "").strip().lower() == "true":
            headers.set(ALLOW_PRIVATE_NETWORK, "true")
        return Response(204, headers, b"")

    def requested_headers(self, request: Request) -> list[str] | None:
        """The `Access-Control-Request-Headers` names, lowercased; None when one is malformed. Never raises."""
        names = [n.strip().lower() for line in request.headers.get_all(REQUEST_HEADERS) for n in line.split(",")]
        names = [n for n in names if n]
        return names if all(_TOKEN.fullmatch(n) for n in names) else None

    def allow_origin(self, origin: str) -> str:
        return WILDCARD if self.policy.any_origin else origin

    def decorate(self, request: Request, response: Response) -> None:
        """Add the CORS headers to an actual response; inner layers' CORS headers are replaced."""
        policy, headers = self.policy, response.headers
        for name in CORS_RESPONSE_HEADERS:
            headers.remove(name)
        origin = request.headers.get("Origin")
        if policy.any_origin:
            # A static answer: send it always and without Vary (Fetch "CORS protocol and HTTP caches").
            headers.set(ALLOW_ORIGIN, WILDCARD)
        else:
            self.vary(headers, "Origin")
            if origin is None or not self.origin_allowed(origin):
                return
            headers.set(ALLOW_ORIGIN, origin)
        if policy.credentials:
            headers.set(ALLOW_CREDENTIALS, "true")
        exposed = self.exposed(headers)
        if exposed:
            headers.set(EXPOSE_HEADERS, ", ".join(exposed))

    def exposed(self, headers: Headers) -> list[str]:
        if WILDCARD not in self.policy.expose:
            return list(self.policy.expose)
        if not self.policy.credentials:
            return [WILDCARD]
        # With credentials `*` only matches a header named `*`: list the ones actually sent.
        names = dict.fromkeys(n.lower() for n, _ in headers)
        return [n for n in names if n not in SAFELISTED_RESPONSE_HEADERS and n not in {h.lower() for h in CORS_RESPONSE_HEADERS}]
