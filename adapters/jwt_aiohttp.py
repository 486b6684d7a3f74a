"""aiohttp JWT subjects: the reference middleware wired into aiohttp, and aiohttp-jwt configured two ways.

Each installs its JWT middleware outermost and reports the verified claims with `accepted()`, so
the suite sees who was authenticated. A policy a package cannot express is `NotApplicable`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..outcomes import NotApplicable
from ..reference.jwt import FAMILIES, JwtMiddleware, JwtPolicy
from .aiohttp import Middleware
from .base import Subject
from .features import JwtSubject, accepted
from .jwt_reference import judge


def reference_middleware(policy: JwtPolicy, middleware_class: type[JwtMiddleware] = JwtMiddleware) -> Middleware:
    """The reference `JwtMiddleware` as an aiohttp middleware: its answer, or the handler with its context."""
    jwt_layer = middleware_class(policy)

    @web.middleware
    async def jwt_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        answer = await judge(jwt_layer, request, request.method, request.path, request.headers.items(), request.query_string)
        if answer is not None:
            return web.Response(status=answer.status, headers=list(answer.headers), body=answer.body)
        return await handler(request)

    return jwt_middleware


class AiohttpReferenceJwt(JwtSubject):
    name = "aiohttp/reference-jwt"
    framework = "aiohttp"
    packages: tuple[str, ...] = ("aiohttp", "PyJWT", "cryptography")
    description = "the reference JwtMiddleware (PyJWT) as an aiohttp `@web.middleware`, outermost"

    def layer(self, policy: JwtPolicy) -> Middleware:
        return reference_middleware(policy)


@web.middleware
async def report_payload(request: web.Request, handler: Any) -> web.StreamResponse:
    """Report aiohttp-jwt's verified `request['payload']` to the suite."""
    claims = request.get("payload")
    if isinstance(claims, dict):
        accepted(request, claims)
    return await handler(request)


class AiohttpJwt(JwtSubject):
    """aiohttp-jwt `JWTMiddleware(key, algorithms=..., audience=..., issuer=..., whitelist=...)`."""

    name = "aiohttp/aiohttp-jwt"
    framework = "aiohttp"
    packages: tuple[str, ...] = ("aiohttp", "aiohttp-jwt", "PyJWT")
    description = "aiohttp-jwt `JWTMiddleware(secret, algorithms=['HS256'], ...)` configured from the policy"
    known = {
        "robust.hostile-authorization": (
            "the middleware calls token.encode() before its try around jwt.decode; aiohttp hands an obs-text byte over "
            "surrogate-escaped, so Authorization: Bearer \\xe9 raises UnicodeEncodeError: 500"
        ),
        "scheme.prefix-bearerx": "the scheme is checked with re.match('Bearer', scheme), a prefix match, so 'BearerX <token>' is accepted",
        "scheme.lowercase-bearer": "re.match('Bearer', scheme) is case-sensitive: 'bearer <token>' answers 403 Invalid token scheme",
        "scheme.uppercase-bearer": "re.match('Bearer', scheme) is case-sensitive: 'BEARER <token>' answers 403 Invalid token scheme",
        "scheme.two-spaces": "the header is split on single spaces: 'Bearer␠␠<token>' answers 403 Invalid authorization header",
        "claims.nbf-boolean": "PyJWT 2.15 int()s NumericDates, so nbf=true is read as 1 (1970) and the token accepted",
        "route.public-prefix-publicity": "whitelist entries are applied with re.match, a prefix match: '/public' also exempts /publicity",
        "route.public-prefix-public-admin": "whitelist entries are applied with re.match, a prefix match: '/public' also exempts /public-admin",
        "route.options-not-preflight": "every OPTIONS request skips authentication (`if request.method == METH_OPTIONS`), preflight or not",
        "response.missing-credentials": "401 'Missing authorization token' without a WWW-Authenticate header",
        "response.foreign-scheme": "another scheme (Basic) answers 403 Invalid token scheme, not 401 with a Bearer challenge",
        "response.invalid-token-challenge": "401 without a WWW-Authenticate header",
        "response.expired-challenge": "401 without a WWW-Authenticate header",
        "response.two-tokens": "'Bearer a b' answers 403 Invalid authorization header, not 400 invalid_request",
        "response.two-fields": "only the first Authorization field is read (headers.get), so two fields are not refused as invalid_request",
        "response.empty-token": "'Bearer' alone answers 403 Invalid authorization header, not 400/401 with a Bearer challenge",
        **{
            f"leak.{case}": f"PyJWT's exception text is put in the reason phrase and the body ('Invalid authorization token, {text}')"
            for case, text in (
                ("bad-signature", "Signature verification failed"),
                ("expired", "Signature has expired"),
                ("malformed", "Not enough segments"),
                ("wrong-audience", "Audience doesn't match"),
            )
        },
    }

    def options(self, policy: JwtPolicy) -> dict[str, Any]:
        """JWTMiddleware keyword arguments for `policy`, or NotApplicable."""
        if policy.leeway:
            raise NotApplicable("aiohttp-jwt passes no leeway to PyJWT")
        if policy.required:
            raise NotApplicable("aiohttp-jwt cannot require claims (it passes no `options` to jwt.decode)")
        if policy.cookie is not None:
            raise NotApplicable("aiohttp-jwt reads a cookie only through token_getter, which replaces the Authorization header")
        if policy.jwks is not None or len(policy.public_keys) + (policy.secret is not None) != 1:
            raise NotApplicable("aiohttp-jwt takes exactly one key (a secret or one PEM public key), no JWKS")
        key = policy.secret if policy.secret is not None else policy.public_keys[0]
        return {
            "secret_or_pub_key": key.decode() if isinstance(key, bytes) else key,
            "algorithms": list(policy.algorithms),
            "audience": policy.audience,
            "issuer": policy.issuer,
            "whitelist": policy.public,
        }

    def layer(self, policy: JwtPolicy) -> list[Middleware]:
        from aiohttp_jwt import JWTMiddleware

        return [JWTMiddleware(**self.options(policy)), report_payload]


class AiohttpJwtSeed(AiohttpJwt):
    """aiohttp-jwt exactly as seed 000 writes it: `JWTMiddleware(secret)`, no other argument."""

    name = "aiohttp/aiohttp-jwt-seed"
    description = "aiohttp-jwt `JWTMiddleware(secret)` as seed 000 writes it (no algorithms, so PyJWT 2 refuses every token)"
    known = {
        # BearerX is refused here only because every token is.
        **{k: v for k, v in AiohttpJwt.known.items() if k.startswith(("scheme.", "route.", "response.", "robust.")) and k != "scheme.prefix-bearerx"},
        **{
            case: "without algorithms= PyJWT 2 refuses to decode ('It is required that you pass in a value for the \"algorithms\" argument'), so no token is ever accepted"
            for case in ("valid.hs256", "jose.unknown-param-ignored", "claims.nbf-now", "sig.broken-then-valid")
        },
        **{
            f"leak.{case}": "PyJWT's exception text is put in the reason phrase and the body ('Invalid authorization token, It is required that you pass in a value for the \"algorithms\" argument')"
            for case in ("bad-signature", "expired", "malformed")
        },
        "response.two-fields": "401 without a WWW-Authenticate header (the first field is read and, like every token here, refused)",
    }

    def options(self, policy: JwtPolicy) -> dict[str, Any]:
        full = super().options(policy)
        if policy.audience or policy.issuer or policy.public:
            raise NotApplicable("the seed's JWTMiddleware(secret) sets no audience, issuer or whitelist")
        if set(policy.algorithms) - set(FAMILIES["hmac"]):
            raise NotApplicable("the seed's JWTMiddleware(secret) is configured with an HMAC secret")
        return {"secret_or_pub_key": full["secret_or_pub_key"]}


SUBJECTS: list[type[Subject]] = [AiohttpReferenceJwt, AiohttpJwt, AiohttpJwtSeed]
