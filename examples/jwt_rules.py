"""The bearer-token decisions of the example JWT middleware, framework-neutral; PyJWT does the crypto.

`jwt_aiohttp.py` and `jwt_sanic.py` put these rules into each framework's middleware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jwt

from mwconform.outcomes import NotApplicable
from mwconform.reference.jwt import JwtPolicy

#: RFC 6750 §2.1: "Bearer" 1*SP b64token (the scheme name is case-insensitive).
CREDENTIALS = re.compile(r"(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)")


class Refused(Exception):
    """Why a request gets no access, as RFC 6750 §3 answers it: `error` None means no credentials came."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__(error or "no credentials")
        self.error = error
        self.status = 400 if error == "invalid_request" else 401
        self.challenge = "Bearer" if error is None else f'Bearer error="{error}"'


@dataclass(frozen=True)
class BearerAuth:
    """One verification key (an HMAC secret or a PEM public key) and what a token must satisfy."""

    key: str | bytes
    algorithms: tuple[str, ...]
    audience: str | None = None
    issuer: str | None = None
    leeway: float = 0
    required: tuple[str, ...] = ()
    public: tuple[str, ...] = ()

    def exempt(self, method: str, path: str, headers: Any) -> bool:
        """Exact public paths, and real CORS preflights (OPTIONS alone is not one)."""
        return path in self.public or (method == "OPTIONS" and "Access-Control-Request-Method" in headers)

    def authenticate(self, authorization: list[str]) -> dict[str, Any]:
        """The verified claims of the request's one bearer token (its Authorization fields), else Refused."""
        if len(authorization) > 1:
            raise Refused("invalid_request")
        field = authorization[0] if authorization else ""
        if field.partition(" ")[0].lower() != "bearer":
            raise Refused()  # no bearer credentials at all: absent, or another scheme
        match = CREDENTIALS.fullmatch(field)
        if match is None:
            raise Refused("invalid_request")
        try:
            claims = self.decode(match.group(1))
        except jwt.PyJWTError:
            raise Refused("invalid_token") from None  # PyJWT's message goes to no client
        if any(isinstance(claims.get(name), (bool, str)) for name in ("exp", "nbf", "iat")):
            raise Refused("invalid_token")  # RFC 7519: a NumericDate is a number; PyJWT int()s true and "1"
        return claims

    def decode(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, self.key, algorithms=list(self.algorithms), audience=self.audience, issuer=self.issuer,
                          leeway=self.leeway, options={"require": list(self.required)})


def auth_for(policy: JwtPolicy, auth_class: type[BearerAuth] = BearerAuth) -> BearerAuth:
    """The binding: the middleware's own configuration from the case's neutral policy, or n/a."""
    keys = [*([policy.secret] if policy.secret is not None else []), *policy.public_keys]
    if policy.jwks is not None or len(keys) != 1:
        raise NotApplicable("this middleware verifies with exactly one key (a secret or a PEM public key), no JWKS")
    if policy.cookie is not None:
        raise NotApplicable("this middleware reads tokens from the Authorization header only")
    return auth_class(keys[0], policy.algorithms, policy.audience, policy.issuer, policy.leeway, policy.required, policy.public)
