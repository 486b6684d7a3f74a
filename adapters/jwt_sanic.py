"""Sanic JWT subjects: the reference middleware as a Sanic request middleware, and sanic-jwt.

Each exposes the verified claims to the scenario's echo handler (request context keys `sub` and
`jwt_claims`). sanic-jwt protects routes with its `@protected()` decorator rather than a
middleware, so every route not public in the policy is registered decorated.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sanic import HTTPResponse, Request, Sanic
from sanic.compat import Header

from ..outcomes import NotApplicable
from ..reference.http import Headers
from ..reference.http import Request as NeutralRequest
from ..reference.jwt import CLAIMS_KEY, FAMILIES, SUBJECT_KEY, JwtMiddleware, JwtPolicy
from ..reference.probes import Recorder
from ..reference.scenario import Route, Scenario
from .base import Subject, Target
from .sanic import SanicIO, SanicSubject


class SanicReferenceJwt(SanicSubject):
    name = "sanic/reference-jwt"
    suites = frozenset({"jwt"})
    known = {}
    packages = ("sanic", "PyJWT", "cryptography")
    description = "the reference JwtMiddleware (PyJWT) as the first Sanic request middleware"

    def install_outer(self, app: Sanic, scenario: Scenario, recorder: Recorder) -> None:
        if scenario.jwt is None:
            return
        jwt_layer = JwtMiddleware(scenario.jwt)

        async def authenticate(request: Request) -> HTTPResponse | None:
            neutral = NeutralRequest(request.method, request.path, Headers(request.headers.items()), request.query_string)
            answer = await jwt_layer.on_request(neutral)
            if answer is not None:
                return HTTPResponse(answer.body, status=answer.status, headers=Header(list(answer.headers)))
            SanicIO(request).context().update(neutral.ctx)
            return None

        app.register_middleware(authenticate, "request")


class _Protecting:
    """Registers routes on a Sanic app like the app itself, wrapping non-public handlers in `@protected()`."""

    def __init__(self, app: Sanic, public: tuple[str, ...]) -> None:
        self.app, self.public = app, public

    def add_route(self, handler: Callable[..., Any], uri: str, **kwargs: Any) -> Any:
        if uri not in self.public:
            handler = _protected(handler)
        return self.app.add_route(handler, uri, **kwargs)


def _protected(handler: Callable[..., Any]) -> Callable[..., Any]:
    from sanic_jwt import protected

    async def with_claims(request: Request, **params: Any) -> HTTPResponse:
        claims = await request.app.ctx.auth.extract_payload(request, verify=False)
        if isinstance(claims, dict):
            SanicIO(request).context().update({CLAIMS_KEY: claims, SUBJECT_KEY: claims.get("sub")})
        return await handler(request, **params)

    return protected()(with_claims)


async def _no_login(request: Request) -> None:
    """sanic-jwt insists on an authenticate callback (its /auth login endpoint); the suite never logs in."""


class SanicJwt(SanicSubject):
    """sanic-jwt 1.8 `Initialize(app, secret=..., algorithm=..., leeway=..., claim_aud=..., claim_iss=...)`."""

    name = "sanic/sanic-jwt"
    suites = frozenset({"jwt"})
    packages = ("sanic", "sanic-jwt", "PyJWT")
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

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        with warnings.catch_warnings():
            # sanic-jwt passes PyJWT 1's `verify=` to jwt.decode; PyJWT 2 ignores it and warns per request.
            warnings.filterwarnings("ignore", message="The `verify` argument to `decode` does nothing", category=DeprecationWarning)
            async with super().serve(scenario, recorder, mode) as target:
                yield target

    def install_outer(self, app: Sanic, scenario: Scenario, recorder: Recorder) -> None:
        from sanic_jwt import Initialize

        if scenario.jwt is not None:
            Initialize(app, authenticate=_no_login, **self.options(scenario.jwt))
            app.ctx.mwc_jwt_public = scenario.jwt.public

    def add_route(self, target: Any, route: Route, recorder: Recorder) -> None:
        public = getattr(target.ctx, "mwc_jwt_public", None)
        super().add_route(target if public is None else _Protecting(target, public), route, recorder)


SUBJECTS: list[type[Subject]] = [SanicReferenceJwt, SanicJwt]
