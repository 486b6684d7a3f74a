"""Sanic JWT subjects: the reference middleware as a Sanic request middleware, and sanic-jwt.

Each reports the verified claims with `accepted()`. sanic-jwt protects routes with its
`@protected()` decorator rather than a middleware, so it is a `Guard`: every route not public in
the policy is registered decorated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sanic import HTTPResponse, Request
from sanic.compat import Header

from ..outcomes import NotApplicable
from ..reference.jwt import FAMILIES, JwtMiddleware, JwtPolicy
from .base import Guard, Setup, Subject
from .features import JwtSubject, accepted
from .jwt_reference import judge


def reference_middleware(policy: JwtPolicy) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    """The reference `JwtMiddleware` as a Sanic request middleware: its answer, or on to the handler."""
    jwt_layer = JwtMiddleware(policy)

    async def authenticate(request: Request) -> HTTPResponse | None:
        answer = await judge(jwt_layer, request, request.method, request.path, request.headers.items(), request.query_string)
        return None if answer is None else HTTPResponse(answer.body, status=answer.status, headers=Header(list(answer.headers)))

    return authenticate


class SanicReferenceJwt(JwtSubject):
    name = "sanic/reference-jwt"
    framework = "sanic"
    packages: tuple[str, ...] = ("sanic", "PyJWT", "cryptography")
    description = "the reference JwtMiddleware (PyJWT) as the first Sanic request middleware"

    def layer(self, policy: JwtPolicy) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
        return reference_middleware(policy)


def protect(public: tuple[str, ...]) -> Guard:
    """sanic-jwt's `@protected()` on every route not public in the policy, reporting its claims."""

    def wrap(handler: Callable[..., Any], path: str) -> Callable[..., Any]:
        if path in public:
            return handler
        from sanic_jwt import protected

        async def with_claims(request: Request, **params: Any) -> HTTPResponse:
            claims = await request.app.ctx.auth.extract_payload(request, verify=False)
            if isinstance(claims, dict):
                accepted(request, claims)
            response: HTTPResponse = await handler(request, **params)
            return response

        return protected()(with_claims)

    return Guard(wrap)


async def _no_login(request: Request) -> None:
    """sanic-jwt insists on an authenticate callback (its /auth login endpoint); the suite never logs in."""


class SanicJwt(JwtSubject):
    """sanic-jwt 1.8 `Initialize(app, secret=..., algorithm=..., leeway=..., claim_aud=..., claim_iss=...)`."""

    name = "sanic/sanic-jwt"
    framework = "sanic"
    packages: tuple[str, ...] = ("sanic", "sanic-jwt", "PyJWT")
    description = "sanic-jwt `Initialize(app, ...)` from the policy; non-public routes decorated with `@protected()`"
    known = {
        "scheme.lowercase-bearer": "the prefix is compared with `prefix != 'Bearer'` (case-sensitive): 401 'Authorization header is invalid.'",
        "scheme.uppercase-bearer": "the prefix is compared with `prefix != 'Bearer'` (case-sensitive): 401 'Authorization header is invalid.'",
        "scheme.two-spaces": "the header is split with header.split(' ') into exactly two parts: 401 'Authorization header is invalid.'",
        "claims.nbf-boolean": "PyJWT 2.15 int()s NumericDates, so nbf=true is read as 1 (1970) and the token accepted",
        "cookie.and-header": "with cookie_set the cookie is read first and the Authorization header silently ignored, not refused as invalid_request",
        "route.options-not-preflight": "@protected() lets every OPTIONS request through (`if request.method == \"OPTIONS\"`), preflight or not",
        "response.missing-credentials": "401 {'reasons': ['Authorization header not present.']} without a WWW-Authenticate header",
        "response.foreign-scheme": "401 {'reasons': ['Authorization header is invalid.']} without a WWW-Authenticate header",
        "response.invalid-token-challenge": "401 {'reasons': ['Auth required.']} without a WWW-Authenticate header",
        "response.expired-challenge": "401 without a WWW-Authenticate header",
        "response.two-tokens": "'Bearer a b' answers 401 'Authorization header is invalid.' without a challenge, not 400 invalid_request",
        "response.two-fields": "only the first Authorization field is read (headers.get), so two fields are accepted, not refused as invalid_request",
        "response.empty-token": "401 {'reasons': ['Authorization header is invalid.']} without a WWW-Authenticate header",
        "leak.expired": "PyJWT's exception text is returned in the JSON body: {'reasons': ['Signature has expired.']}",
        "leak.wrong-audience": "PyJWT's exception text is returned in the JSON body: {'reasons': [\"Audience doesn't match.\"]}",
    }

    def options(self, policy: JwtPolicy) -> dict[str, Any]:
        """Initialize keyword arguments for `policy`, or NotApplicable."""
        if len(policy.algorithms) != 1:
            raise NotApplicable("sanic-jwt verifies with exactly one algorithm (`algorithm=`)")
        if policy.algorithms[0] not in FAMILIES["hmac"]:
            raise NotApplicable("sanic-jwt needs the private key for asymmetric algorithms (it also issues tokens); the policy has public keys only")
        if policy.required:
            raise NotApplicable("sanic-jwt cannot require claims (it passes no `require` option to jwt.decode)")
        if policy.jwks is not None or policy.public_keys:
            raise NotApplicable("sanic-jwt takes one secret, no JWKS or extra public keys")
        secret = policy.secret.decode() if isinstance(policy.secret, bytes) else policy.secret
        options: dict[str, Any] = {"secret": secret, "algorithm": policy.algorithms[0], "leeway": policy.leeway}
        if policy.audience is not None:
            options["claim_aud"] = policy.audience
        if policy.issuer is not None:
            options["claim_iss"] = policy.issuer
        if policy.cookie is not None:
            options.update(cookie_set=True, cookie_access_token_name=policy.cookie, cookie_strict=False)
        return options

    def layer(self, policy: JwtPolicy) -> list[Any]:
        from sanic_jwt import Initialize

        options = self.options(policy)
        return [Setup(lambda app: Initialize(app, authenticate=_no_login, **options)), protect(policy.public)]


SUBJECTS: list[type[Subject]] = [SanicReferenceJwt, SanicJwt]
