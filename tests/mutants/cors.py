"""Deliberately broken CORS middlewares: the cors suite must report `fail` for each.

Each mutant is the reference `CorsMiddleware` with one realistic bug planted (its docstring, one
line), served outermost in the reference pipeline like `reference/cors`.
`tests/test_mutation_score.py` checks that the suite kills every mutant and every case kills one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mwconform.adapters.cors_reference import ReferenceCors
from mwconform.reference.cors import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    ALLOW_PRIVATE_NETWORK,
    EXPOSE_HEADERS,
    MAX_AGE,
    REQUEST_HEADERS,
    REQUEST_METHOD,
    CorsMiddleware,
    is_preflight,
    merge_vary,
)
from mwconform.reference.http import Headers, HTTPError, Request, Response, error_response


class ReflectsAnyOrigin(CorsMiddleware):
    """Every origin is allowed and echoed back (origin reflection)."""
    breaks = ("origin.list-reflection", "preflight.refused-origin")

    def origin_allowed(self, origin: str) -> bool:
        return True


class TrustsNull(CorsMiddleware):
    """The origin `null` is allowed, as for local files during development."""
    breaks = ("origin.list-null", "origin.regex-null", "origin.subdomains-null")

    def origin_allowed(self, origin: str) -> bool:
        return origin == "null" or super().origin_allowed(origin)


class PrefixMatch(CorsMiddleware):
    """An origin is allowed when it starts with an allowed origin; patterns use re.match."""
    breaks = ("origin.list-prefix", "origin.list-two-origins-in-one", "origin.list-unanchored-end", "origin.regex-unanchored-end")

    def origin_allowed(self, origin: str) -> bool:
        policy = self.policy
        if policy.origin_regex and re.match(policy.origin_regex, origin):
            return True
        return any(origin.startswith(o) for o in policy.origins) or super().origin_allowed(origin)


class SuffixMatch(CorsMiddleware):
    """An origin is allowed when it ends with an allowed origin's host (`evilapp.example.com`)."""
    breaks = ("origin.list-http-scheme", "origin.list-suffix")

    def origin_allowed(self, origin: str) -> bool:
        return any(origin.endswith(o.partition("://")[2]) for o in self.policy.origins) or super().origin_allowed(origin)


class IgnoresScheme(CorsMiddleware):
    """http:// origins are treated as their https:// twins."""
    breaks = ("origin.regex-http-scheme", "origin.subdomains-http-scheme")

    def origin_allowed(self, origin: str) -> bool:
        return super().origin_allowed(origin.replace("http://", "https://", 1))


class IgnoresPort(CorsMiddleware):
    """The port is stripped before matching."""
    breaks = ("actual.allowed-second-listed-origin", "origin.list-other-port", "origin.subdomains-other-port")

    def origin_allowed(self, origin: str) -> bool:
        return super().origin_allowed(re.sub(r":\d+$", "", origin))


class TrustsWholeDomain(CorsMiddleware):
    """A listed origin trusts every host of its registrable domain."""
    breaks = ("origin.list-sibling-subdomain",)

    def origin_allowed(self, origin: str) -> bool:
        domains = {".".join(o.partition("://")[2].split(".")[-2:]) for o in self.policy.origins if "://" in o}
        return any(origin.startswith("https://") and origin.endswith("." + d) for d in domains) or super().origin_allowed(origin)


class SubdomainEndswith(CorsMiddleware):
    """The subdomain rule checks host.endswith('example.com'), without the dot."""
    breaks = ("origin.subdomains-look-alike", "origin.subdomains-unescaped-dot")

    def origin_allowed(self, origin: str) -> bool:
        base = self.policy.subdomains_of
        if base and origin.startswith("https://") and origin.endswith(base.partition("://")[2]):
            return True
        return super().origin_allowed(origin)


class SubdomainContains(CorsMiddleware):
    """The subdomain rule checks that the domain occurs anywhere in the origin."""
    breaks = ("origin.subdomains-apex-prefix", "origin.subdomains-sub-prefix", "origin.subdomains-underscore-after-host")

    def origin_allowed(self, origin: str) -> bool:
        base = self.policy.subdomains_of
        return bool(base and origin.startswith("https://") and base.partition("://")[2] in origin) or super().origin_allowed(origin)


class SubdomainDotUnescaped(CorsMiddleware):
    """The subdomain rule is a regex with the domain's dots left unescaped."""
    breaks = ("origin.subdomains-look-alike",)

    def origin_allowed(self, origin: str) -> bool:
        base = self.policy.subdomains_of
        if base and re.fullmatch(rf"https://[a-z0-9-]+.{base.partition('://')[2]}", origin):
            return True
        return super().origin_allowed(origin)


class StarWithCredentials(CorsMiddleware):
    """Access-Control-Allow-Origin is always `*`, credentials or not."""
    breaks = ("actual.allowed-first-listed-origin", "actual.allowed-regex", "actual.allowed-subdomain-rule")

    def allow_origin(self, origin: str) -> str:
        return "*"

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        if ALLOW_ORIGIN in response.headers:
            response.headers.set(ALLOW_ORIGIN, "*")


class CredentialsCapitalized(CorsMiddleware):
    """Access-Control-Allow-Credentials is sent as `True`."""
    breaks = ("actual.credentials-exact-true",)

    def preflight(self, request: Request) -> Response:
        return _recase(super().preflight(request))

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        _recase(response)


def _recase(response: Response) -> Response:
    if ALLOW_CREDENTIALS in response.headers:
        response.headers.set(ALLOW_CREDENTIALS, "True")
    return response


class WildcardReflectsWithCookie(CorsMiddleware):
    """Under `*`, a request with a cookie gets its origin reflected with credentials (Starlette#95)."""
    breaks = ("actual.wildcard-with-cookie",)

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        origin = request.headers.get("Origin")
        if self.policy.any_origin and origin and "Cookie" in request.headers:
            response.headers.set(ALLOW_ORIGIN, origin)
            response.headers.set(ALLOW_CREDENTIALS, "true")


class AllowOriginTwice(CorsMiddleware):
    """Access-Control-Allow-Origin is added a second time (a second CORS layer)."""
    breaks = ("actual.allowed-wildcard", "actual.single-allow-origin")

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        for value in response.headers.get_all(ALLOW_ORIGIN):
            response.headers.add(ALLOW_ORIGIN, value)


class KeepsInnerAllowOrigin(CorsMiddleware):
    """The handler's own Access-Control-Allow-Origin is kept next to the layer's."""
    breaks = ("actual.single-allow-origin-handler-set-one",)

    def decorate(self, request: Request, response: Response) -> None:
        inner = response.headers.get_all(ALLOW_ORIGIN)
        super().decorate(request, response)
        for value in inner:
            response.headers.add(ALLOW_ORIGIN, value)


class CredentialsOnDisallowed(CorsMiddleware):
    """Access-Control-Allow-Credentials is sent even to disallowed origins (Starlette#2560)."""
    breaks = ("origin.list-reflection-quiet", "origin.list-refused-credentials")

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        if self.policy.credentials:
            response.headers.set(ALLOW_CREDENTIALS, "true")


class NoVary(CorsMiddleware):
    """Vary: Origin is never added."""
    breaks = ("vary.allowed-origin",)

    def vary(self, headers: Headers, *names: str) -> None:
        pass


class VaryOverwrites(CorsMiddleware):
    """Vary is set to the CORS names, dropping the handler's Vary."""
    breaks = ("vary.merged-with-handler",)

    def vary(self, headers: Headers, *names: str) -> None:
        headers.set("Vary", ", ".join(names))


class VaryOnlyWhenShared(CorsMiddleware):
    """Vary: Origin is added only to responses that carry Access-Control-Allow-Origin."""
    breaks = ("vary.disallowed-origin", "vary.no-origin", "vary.preflight")

    def vary(self, headers: Headers, *names: str) -> None:
        pass

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        if ALLOW_ORIGIN in response.headers:
            super().vary(response.headers, "Origin")


class OnlyDecoratesSuccess(CorsMiddleware):
    """Responses with status 400 and above get no CORS headers."""
    breaks = ("error.auth-short-circuit-401", "error.auth-short-circuit-401-wildcard", "error.handler-403", "error.handler-403-wildcard", "error.handler-crash-500", "error.handler-crash-500-wildcard", "error.unknown-path-404", "error.unknown-path-404-wildcard", "error.wrong-method-405", "error.wrong-method-405-wildcard")

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return None

    def decorate(self, request: Request, response: Response) -> None:
        if response.status < 400:
            super().decorate(request, response)


class DecoratesPreflightOnTheWayOut(CorsMiddleware):
    """Preflights go through the app and get approval headers on the way out (seed 001's style)."""
    breaks = ("preflight.approved-list-put-custom-header", "preflight.approved-subdomain-rule", "preflight.approved-wildcard", "preflight.behind-auth", "preflight.behind-auth-wildcard", "preflight.behind-redirect", "preflight.never-reaches-handler", "preflight.never-reaches-handler-wildcard")

    async def on_request(self, request: Request) -> Response | None:
        return None

    async def on_response(self, request: Request, response: Response) -> Response | None:
        if is_preflight(request):
            approval = self.preflight(request)
            for name, value in approval.headers:
                response.headers.set(name, value)
            return None
        return await super().on_response(request, response)

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        response = await super().on_error(request, error)
        if response is not None and is_preflight(request):
            await self.on_response(request, response)
        return response


class AnyOptionsIsPreflight(CorsMiddleware):
    """Every OPTIONS request with an Origin is answered as a preflight."""
    breaks = ("preflight.options-without-request-method",)

    async def on_request(self, request: Request) -> Response | None:
        if request.method == "OPTIONS" and "Origin" in request.headers:
            return self.preflight(request)
        return None


class MethodNotChecked(CorsMiddleware):
    """Any requested method is approved."""
    breaks = ("preflight.refused-method",)

    def method_allowed(self, method: str) -> bool:
        return True

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        if ALLOW_METHODS in response.headers:
            response.headers.set(ALLOW_METHODS, request.headers.get(REQUEST_METHOD) or "")
        return response


class MethodCaseInsensitive(CorsMiddleware):
    """Methods are compared case-insensitively and the requested spelling is echoed."""
    breaks = ("preflight.refused-lower-case-patch",)

    def method_allowed(self, method: str) -> bool:
        return super().method_allowed(method.upper())

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        if ALLOW_METHODS in response.headers:
            response.headers.set(ALLOW_METHODS, request.headers.get(REQUEST_METHOD) or "")
        return response


class HeadersNotChecked(CorsMiddleware):
    """Any requested header is approved."""
    breaks = ("preflight.refused-header", "preflight.refused-one-of-two-headers", "preflight.refused-seed-001-custom-header")

    def header_allowed(self, name: str) -> bool:
        return True


class StarsWithCredentials(CorsMiddleware):
    """Allowed methods and headers `*` are sent as `*`, credentials or not."""
    breaks = ("preflight.approved-credentialed-wildcards", "preflight.approved-wildcard-authorization")

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        if response.status == 204:
            if "*" in self.policy.methods:
                response.headers.set(ALLOW_METHODS, "*")
            if "*" in self.policy.headers:
                response.headers.set(ALLOW_HEADERS, "*")
        return response


class ExposeStarWithCredentials(CorsMiddleware):
    """Exposed headers `*` are sent as `*`, credentials or not."""
    breaks = ("actual.credentialed-wildcards",)

    def exposed(self, headers: Headers) -> list[str]:
        return ["*"] if "*" in self.policy.expose else super().exposed(headers)


class NoExposeHeaders(CorsMiddleware):
    """Access-Control-Expose-Headers is never sent."""
    breaks = ("actual.expose-listed", "actual.expose-wildcard")

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        response.headers.remove(EXPOSE_HEADERS)


class MaxAgeMissing(CorsMiddleware):
    """Access-Control-Max-Age is never sent."""
    breaks = ("preflight.max-age",)

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        response.headers.remove(MAX_AGE)
        return response


class MaxAgeNoneSpelledOut(CorsMiddleware):
    """Access-Control-Max-Age is str(policy.max_age), also when that is None."""
    breaks = ("preflight.no-max-age",)

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        if response.status == 204:
            response.headers.set(MAX_AGE, str(self.policy.max_age))
        return response


class RequestHeadersSplitOnCommaSpace(CorsMiddleware):
    """Access-Control-Request-Headers is split on ', ', so 'a,b' is one unknown name."""
    breaks = ("preflight.approved-headers-no-space", "preflight.approved-headers-upper-case")

    def requested_headers(self, request: Request) -> list[str] | None:
        return [n.lower() for n in (request.headers.get(REQUEST_HEADERS) or "").split(", ") if n] or []

    def header_allowed(self, name: str) -> bool:
        return "," not in name and super().header_allowed(name)


class RequestHeadersNotStripped(CorsMiddleware):
    """Access-Control-Request-Headers is split on ',' without trimming the spaces."""
    breaks = ("preflight.approved-headers-comma-space",)

    def requested_headers(self, request: Request) -> list[str] | None:
        names = [n.lower() for n in (request.headers.get(REQUEST_HEADERS) or "").split(",") if n]
        return names if all(n == n.strip() for n in names) else None


class RequestHeadersCaseSensitive(CorsMiddleware):
    """Requested header names are compared with the policy's case-sensitively."""
    breaks = ("preflight.approved-seed-001-put-json",)

    def requested_headers(self, request: Request) -> list[str] | None:
        return [n.strip() for n in (request.headers.get(REQUEST_HEADERS) or "").split(",") if n.strip()]

    def header_allowed(self, name: str) -> bool:
        return "*" in self.policy.headers or name in self.policy.headers


class DefaultPortNormalised(CorsMiddleware):
    """Origins are normalised with urlsplit(origin).port, which raises ValueError on a bad port or bracket: 500."""
    breaks = ("robust.hostile-origin-and-request-headers",)

    def origin_allowed(self, origin: str) -> bool:
        parts = urlsplit(origin)
        if parts.port is not None and parts.port == {"http": 80, "https": 443}.get(parts.scheme):
            origin = f"{parts.scheme}://{parts.hostname}"
        return super().origin_allowed(origin)


class RequiresRequestHeaders(CorsMiddleware):
    """A preflight without Access-Control-Request-Headers is refused."""
    breaks = ("preflight.approved-list-delete-no-request-headers", "preflight.credentials-exact-true")

    def preflight(self, request: Request) -> Response:
        if REQUEST_HEADERS not in request.headers:
            return Response(403, Headers(), b"")
        return super().preflight(request)


class KeepsHeadersAcrossRequests(CorsMiddleware):
    """The last allowed origin's CORS headers are kept on the middleware and added to later answers."""
    breaks = ("origin.list-after-allowed-origin",)

    remembered: list[tuple[str, str]] = []

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        if ALLOW_ORIGIN in response.headers:
            self.remembered = [(n, v) for n, v in response.headers if n.lower().startswith("access-control-")]
        for name, value in self.remembered:
            response.headers.set(name, value)


class ApprovesPrivateNetwork(CorsMiddleware):
    """Every preflight that asks for private-network access gets it (flask-cors CVE-2024-6221)."""
    breaks = ("preflight.private-network",)

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        if request.headers.get("Access-Control-Request-Private-Network") == "true":
            response.headers.set("Access-Control-Allow-Private-Network", "true")
        return response


class CaseFoldedEcho(CorsMiddleware):
    """Origins are compared lowercased and answered with the lowercased value, not the request's bytes."""
    breaks = ("origin.list-uppercase-host", "origin.list-uppercase-scheme", "origin.subdomains-uppercase-host")

    def origin_allowed(self, origin: str) -> bool:
        return super().origin_allowed(origin.lower())

    def allow_origin(self, origin: str) -> str:
        return super().allow_origin(origin.lower())

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        if ALLOW_ORIGIN in response.headers and response.headers.get(ALLOW_ORIGIN) != "*":
            response.headers.set(ALLOW_ORIGIN, (request.headers.get("Origin") or "").lower())


class HostCutAtOddCharacter(CorsMiddleware):
    """The Origin is cut at the first character no host name has (meant to drop a path) before matching, so
    `https://app.example.com_.evil.net` counts as `https://app.example.com`; a comma or space list is refused first."""
    breaks = ("origin.list-backtick-after-host", "origin.list-bang-after-host", "origin.list-brace-after-host", "origin.list-percent-60-after-host", "origin.list-underscore-after-host", "origin.regex-backtick-after-host")

    def origin_allowed(self, origin: str) -> bool:
        cut = re.match(r"[a-z]+://[a-z0-9.:-]*", origin)
        if cut is None or "," in origin or " " in origin:
            return super().origin_allowed(origin)
        return super().origin_allowed(cut.group())


class CredentialsWhenEchoing(CorsMiddleware):
    """Access-Control-Allow-Credentials: true goes with every echoed origin, whatever the policy says."""
    breaks = ("credentials-off.actual-one-origin", "credentials-off.actual-one-origin-stars", "credentials-off.preflight-one-origin", "credentials-off.preflight-one-origin-stars")

    def preflight(self, request: Request) -> Response:
        return _credentials_if_echoed(super().preflight(request))

    def decorate(self, request: Request, response: Response) -> None:
        super().decorate(request, response)
        _credentials_if_echoed(response)


def _credentials_if_echoed(response: Response) -> Response:
    if response.headers.get(ALLOW_ORIGIN) not in (None, "*"):
        response.headers.set(ALLOW_CREDENTIALS, "true")
    return response


class RequestMethodMakesPreflight(CorsMiddleware):
    """Any OPTIONS with Access-Control-Request-Method is answered as a preflight, Origin or not."""
    breaks = ("preflight.options-without-origin",)

    async def on_request(self, request: Request) -> Response | None:
        if request.method == "OPTIONS" and REQUEST_METHOD in request.headers:
            return self.preflight(request)
        return None

    async def on_response(self, request: Request, response: Response) -> Response | None:
        if not (request.method == "OPTIONS" and REQUEST_METHOD in request.headers):
            self.decorate(request, response)
        return None


class PreflightVaryOriginOnly(CorsMiddleware):
    """A preflight answer varies on Origin only (and on nothing under `*`), though it echoes the requested names."""
    breaks = ("vary.preflight-request-headers", "vary.preflight-wildcard-echo")

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        response.headers.remove("Vary")
        if not self.policy.any_origin:
            merge_vary(response.headers, "Origin")
        return response


class NoPrivateNetworkOptIn(CorsMiddleware):
    """The policy's private-network opt-in is never sent (Access-Control-Allow-Private-Network is dropped)."""
    breaks = ("preflight.private-network-opt-in",)

    def preflight(self, request: Request) -> Response:
        response = super().preflight(request)
        response.headers.remove(ALLOW_PRIVATE_NETWORK)
        return response


class FreshErrorResponse(CorsMiddleware):
    """A raised HTTP error is answered with a fresh response of its status: the inner layers' Set-Cookie and headers are dropped."""
    breaks = ("error.inner-headers-on-raised-401", "error.inner-headers-on-raised-401-wildcard")

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        response = error_response(HTTPError(error.status) if isinstance(error, HTTPError) else error)
        self.decorate(request, response)
        return response


class SkipsStreamedResponses(CorsMiddleware):
    """A streamed response is left alone, its headers taken as already sent (a middleware that edits headers after `await handler()`)."""
    breaks = ("actual.streamed", "actual.streamed-wildcard")

    def decorate(self, request: Request, response: Response) -> None:
        if not response.streamed:
            super().decorate(request, response)


def mutant(bug: type[CorsMiddleware]) -> type[ReferenceCors]:
    """A subject `mutant/cors-<Bug>` serving the reference with `bug` as its CORS layer."""
    attrs = {"name": f"mutant/cors-{bug.__name__}", "middleware_class": bug, "description": bug.__doc__, "breaks": getattr(bug, "breaks", ())}
    return type(bug.__name__ + "Subject", (ReferenceCors,), attrs)


MUTANTS: list[type[ReferenceCors]] = [
    mutant(bug)
    for bug in (
        ReflectsAnyOrigin,
        TrustsNull,
        PrefixMatch,
        SuffixMatch,
        IgnoresScheme,
        IgnoresPort,
        TrustsWholeDomain,
        SubdomainEndswith,
        SubdomainContains,
        SubdomainDotUnescaped,
        StarWithCredentials,
        CredentialsCapitalized,
        WildcardReflectsWithCookie,
        AllowOriginTwice,
        KeepsInnerAllowOrigin,
        CredentialsOnDisallowed,
        NoVary,
        VaryOverwrites,
        VaryOnlyWhenShared,
        OnlyDecoratesSuccess,
        DecoratesPreflightOnTheWayOut,
        AnyOptionsIsPreflight,
        MethodNotChecked,
        MethodCaseInsensitive,
        HeadersNotChecked,
        StarsWithCredentials,
        ExposeStarWithCredentials,
        NoExposeHeaders,
        MaxAgeMissing,
        MaxAgeNoneSpelledOut,
        RequestHeadersSplitOnCommaSpace,
        RequestHeadersNotStripped,
        RequestHeadersCaseSensitive,
        RequiresRequestHeaders,
        KeepsHeadersAcrossRequests,
        ApprovesPrivateNetwork,
        DefaultPortNormalised,
        CaseFoldedEcho,
        HostCutAtOddCharacter,
        CredentialsWhenEchoing,
        RequestMethodMakesPreflight,
        PreflightVaryOriginOnly,
        NoPrivateNetworkOptIn,
        FreshErrorResponse,
        SkipsStreamedResponses,
    )
]
globals().update({m.__name__: m for m in MUTANTS})
