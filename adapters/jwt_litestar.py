"""Litestar's JWT authentication (`litestar.security.jwt`), configured from the `JwtPolicy`.

`litestar/jwt-auth`: `JWTAuth(token_secret=..., algorithm=..., retrieve_user_handler=..., ...)`
installed as Litestar's docs show, `Litestar(on_app_init=[jwt_auth.on_app_init])` (its
authentication middleware goes first in the app's middleware); a `JWTCookieAuth` where the policy
also takes the token from a cookie. Its `retrieve_user_handler` is where a Litestar app looks the
user up from the verified `Token`: here it reports the token's claims with `accepted()`.
Everything else is left at Litestar's defaults, as a user who configures only the policy has it.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict
from datetime import datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.security.jwt import BaseJWTAuth, JWTAuth, JWTCookieAuth, Token

from ..outcomes import NotApplicable
from ..reference.jwt import JwtPolicy
from .base import Setup, Subject
from .features import JwtSubject, accepted


def claims_of(token: Token) -> dict[str, Any]:
    """The verified claims of a Litestar `Token`: its fields (times back to NumericDates) and extras."""
    fields = {k: v for k, v in asdict(token).items() if k != "extras" and v is not None}
    claims = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in fields.items()}
    return {**claims, **token.extras}


async def report_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The `retrieve_user_handler`: tell the suite whom the token names; that user is authenticated."""
    claims = claims_of(token)
    accepted(connection, claims)
    return claims


def jwt_auth_options(policy: JwtPolicy) -> dict[str, Any]:
    """`JWTAuth` keyword arguments for `policy`, or NotApplicable for what it cannot express."""
    if len(policy.algorithms) != 1:
        raise NotApplicable("JWTAuth verifies with exactly one algorithm (algorithm=...), not a list")
    if policy.leeway:
        raise NotApplicable("JWTAuth passes no leeway to PyJWT (nor to Token's own iat and exp checks)")
    if policy.jwks is not None or len(policy.public_keys) + (policy.secret is not None) != 1:
        raise NotApplicable("JWTAuth takes exactly one key (token_secret: a secret or one PEM public key), no JWKS")
    key = policy.secret if policy.secret is not None else policy.public_keys[0]
    if isinstance(key, bytes):
        try:
            key = key.decode()
        except UnicodeDecodeError:
            raise NotApplicable("JWTAuth's token_secret is a str: a secret that is not UTF-8 text cannot be given") from None
    return {
        "token_secret": key,
        "algorithm": policy.algorithms[0],
        "retrieve_user_handler": report_user,
        "accepted_audiences": [policy.audience] if policy.audience is not None else None,
        "accepted_issuers": [policy.issuer] if policy.issuer is not None else None,
        "require_claims": list(policy.required) or None,
        # Exact paths, as the policy means them: Litestar matches `exclude` patterns with re.search.
        "exclude": [f"^{re.escape(path)}$" for path in policy.public] or None,
    }


class LitestarJwt(JwtSubject):
    name = "litestar/jwt-auth"
    framework = "litestar"
    packages: tuple[str, ...] = ("litestar", "PyJWT", "cryptography")
    description = "Litestar `JWTAuth(token_secret, algorithm, retrieve_user_handler, ...)` through `on_app_init` (JWTCookieAuth for a cookie)"
    _no_challenge = "NotAuthorizedException answers 401 with a JSON body and no WWW-Authenticate header (RFC 6750 §3)"
    _partition = "the token is `auth_header.partition(' ')[-1]`"
    known = {
        **dict.fromkeys(
            ("response.missing-credentials", "response.foreign-scheme", "response.invalid-token-challenge", "response.expired-challenge"),
            _no_challenge,
        ),
        "response.two-tokens": _partition + ", so 'Bearer a b' is the token 'a b': refused as invalid, 401 without a challenge, not 400 invalid_request",
        "response.empty-token": "'Bearer' alone: " + _no_challenge,
        "response.two-fields": "only one Authorization field is read (connection.headers.get), so two fields are not refused as invalid_request",
        "scheme.two-spaces": _partition + ": with two spaces the token keeps a leading space and is refused (RFC 7235 allows 1*SP)",
        "scheme.prefix-bearerx": _partition + ": the scheme is never checked, so 'BearerX <token>' (or any word) is accepted",
        "cookie.and-header": "JWTCookieAuthenticationMiddleware takes the header's token or else the cookie's: both at once are not refused",
        "route.options-not-preflight": (
            "JWTAuth's exclude_http_methods defaults to ['OPTIONS', 'HEAD']: every OPTIONS (and HEAD) request skips authentication, preflight or not"
        ),
        "claims.aud-unexpected": (
            "Token.decode passes PyJWT verify_aud=bool(audience): without accepted_audiences the audience check is off, so a "
            "token meant for an audience is accepted by a server that names none (RFC 7519 §4.1.3)"
        ),
        "claims.nbf-boolean": "PyJWT 2.15 int()s NumericDates, so nbf=true is read as 1 (1970) and the token accepted",
    }

    def token_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        # Token.decode demands `iat` of every token (a NumericDate, not in the future) besides exp and sub.
        return {**claims, "iat": claims.get("iat", int(time.time()))}

    def layer(self, policy: JwtPolicy) -> Setup:
        options = jwt_auth_options(policy)
        auth: BaseJWTAuth[Any, Token] = JWTCookieAuth(key=policy.cookie, **options) if policy.cookie is not None else JWTAuth(**options)
        return Setup(lambda app_options: app_options.setdefault("on_app_init", []).append(auth.on_app_init))


SUBJECTS: list[type[Subject]] = [LitestarJwt]
