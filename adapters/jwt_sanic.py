"""Sanic JWT subjects: the reference middleware as a Sanic request middleware, and sanic-jwt.

Each exposes the verified claims to the scenario's echo handler (request context keys `sub` and
`jwt_claims`). sanic-jwt protects routes with its `@protected()` decorator rather than a
middleware, so every route not public in the policy is registered decorated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sanic import HTTPResponse, Request, Sanic
from sanic.compat import Header

from ..outcomes import NotApplicable
from ..reference.http import Headers
from ..reference.http import Request as NeutralRequest
from ..reference.jwt import CLAIMS_KEY, FAMILIES, SUBJECT_KEY, JwtMiddleware, JwtPolicy
from ..reference.probes import Recorder
from ..reference.scenario import Route, Scenario
from .base import Subject
from .sanic import SanicIO, SanicSubject


class SanicReferenceJwt(SanicSubject):
    name = "sanic/reference"
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
            SanicIO(request)._ctx().update(neutral.ctx)
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
            SanicIO(request)._ctx().update({CLAIMS_KEY: claims, SUBJECT_KEY: claims.get("sub")})
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
    known = {}

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

    def install_outer(self, app: Sanic, scenario: Scenario, recorder: Recorder) -> None:
        from sanic_jwt import Initialize

        if scenario.jwt is not None:
            Initialize(app, authenticate=_no_login, **self.options(scenario.jwt))
            app.ctx.mwc_jwt_public = scenario.jwt.public

    def add_route(self, target: Any, route: Route, recorder: Recorder) -> None:
        public = getattr(target.ctx, "mwc_jwt_public", None)
        super().add_route(target if public is None else _Protecting(target, public), route, recorder)


SUBJECTS: list[type[Subject]] = [SanicReferenceJwt, SanicJwt]
