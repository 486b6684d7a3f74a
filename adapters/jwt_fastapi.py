"""FastAPI JWT subject: fastapi-users' JWT authentication backend, configured from `JwtPolicy`.

fastapi-users is the most downloaded JWT authentication package for FastAPI that works on current
FastAPI and Pydantic (PyPI download rank ~3100 of all packages, released 2026-03; fastapi-jwt-auth,
the next, was last released in 2020 and needs Pydantic 1; authx and fastapi-jwt are outside the
top 15,000). It is used as its documentation shows: an `AuthenticationBackend` with a
`BearerTransport` and a `JWTStrategy`, and `fastapi_users.current_user(active=True)` as a
dependency of every protected path operation (here: a `Guard` that adds that dependency to each
endpoint not in the policy's public paths). Its user database is an in-memory one that knows every
subject the suite mints; fastapi-users hands the path operation the *user*, not the claims, so the
binding reports `{"sub": user.id}` with `accepted()`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from ..outcomes import NotApplicable
from ..reference.jwt import JwtPolicy
from .base import Guard, Subject
from .features import JwtSubject, accepted

DEFAULT_AUDIENCE = "fastapi-users:auth"  # JWTStrategy's token_audience default


@dataclass
class User:
    """A fastapi-users user (its `UserProtocol`)."""

    id: str
    email: str = ""
    hashed_password: str = ""
    is_active: bool = True
    is_superuser: bool = False
    is_verified: bool = True


def current_user(policy: JwtPolicy) -> Callable[..., Awaitable[Any]]:
    """`FastAPIUsers(...).current_user(active=True)` for a JWT backend configured from `policy`."""
    from fastapi_users import BaseUserManager, FastAPIUsers
    from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
    from fastapi_users.db import BaseUserDatabase

    if policy.required and set(policy.required) != {"exp"}:
        raise NotApplicable("fastapi-users' JWTStrategy cannot require claims other than the audience")
    if policy.leeway:
        raise NotApplicable("fastapi-users' JWTStrategy passes no leeway to PyJWT")
    if policy.issuer is not None:
        raise NotApplicable("fastapi-users' JWTStrategy checks no issuer")
    if policy.cookie is not None:
        raise NotApplicable("the bearer transport reads the Authorization header only (CookieTransport would read the cookie only)")
    if len(policy.algorithms) != 1:
        raise NotApplicable("fastapi-users' JWTStrategy takes exactly one algorithm")
    if policy.jwks is not None or len(policy.public_keys) + (policy.secret is not None) != 1:
        raise NotApplicable("fastapi-users' JWTStrategy takes exactly one key (a secret, or a PEM public key beside a signing key), no JWKS")
    secret = policy.secret if policy.secret is not None else policy.public_keys[0]
    key = secret.decode() if isinstance(secret, bytes) else secret

    class EveryUser(BaseUserDatabase[User, str]):
        """The user database: every subject the suite mints tokens for exists and is active."""

        async def get(self, id: str) -> User | None:
            return User(id=id)

    class UserManager(BaseUserManager[User, str]):
        reset_password_token_secret = verification_token_secret = "unused"

        def parse_id(self, value: Any) -> str:
            return str(value)

    async def user_manager() -> AsyncIterator[UserManager]:
        yield UserManager(EveryUser())

    def strategy() -> JWTStrategy[User, str]:
        # The public key both signs (unused here) and verifies: JWTStrategy wants a secret for writing.
        return JWTStrategy(secret=key, lifetime_seconds=None, token_audience=[policy.audience or DEFAULT_AUDIENCE], algorithm=policy.algorithms[0], public_key=key)

    backend = AuthenticationBackend(name="jwt", transport=BearerTransport(tokenUrl="auth/jwt/login"), get_strategy=strategy)
    dependency: Callable[..., Awaitable[Any]] = FastAPIUsers[User, str](user_manager, [backend]).current_user(active=True)
    return dependency


def protect(policy: JwtPolicy) -> Guard:
    """`Depends(current_user)` on every path operation outside the policy's public paths."""
    user_dependency = current_user(policy)

    def wrap(handler: Callable[[Request], Awaitable[Response]], path: str) -> Callable[..., Awaitable[Response]]:
        if path in policy.public:
            return handler

        @functools.wraps(handler)
        async def protected(request: Request, user: User = Depends(user_dependency)) -> Response:
            accepted(request, {"sub": user.id})
            return await handler(request)

        del protected.__wrapped__  # FastAPI reads the signature: this one, with the dependency
        return protected

    return Guard(wrap)


class FastAPIUsersJwt(JwtSubject):
    name = "fastapi/fastapi-users-jwt"
    framework = "fastapi"
    packages: tuple[str, ...] = ("fastapi", "fastapi-users", "PyJWT")
    description = "fastapi-users `AuthenticationBackend(BearerTransport, JWTStrategy)`, `Depends(current_user(active=True))` on each protected path operation"
    known = {
        **dict.fromkeys(
            ("response.missing-credentials", "response.invalid-token-challenge", "response.expired-challenge", "response.foreign-scheme", "response.empty-token"),
            "Authenticator._authenticate raises HTTPException(401) with no headers: a refusal carries no WWW-Authenticate "
            "challenge (RFC 6750 §3); the transport's OAuth2PasswordBearer runs with auto_error=False, so FastAPI's own Bearer challenge never comes",
        ),
        "response.two-tokens": (
            "FastAPI's get_authorization_scheme_param splits at the first space, so 'Bearer a b' is the token 'a b', refused as "
            "invalid: 401 without a challenge, not 400 invalid_request"
        ),
        "response.two-fields": "only the first Authorization field is read (Starlette's headers.get), so two fields are not refused as invalid_request",
        "claims.exp-missing-required": (
            "JWTStrategy.read_token calls jwt.decode with no options: PyJWT checks exp only when present, so a token "
            "without exp is accepted forever (JWTStrategy cannot require claims)"
        ),
        "claims.nbf-boolean": "PyJWT 2.15 int()s NumericDates, so nbf=true is read as 1 (1970) and the token accepted",
        "route.preflight-passes": (
            "a path-operation dependency runs for every request routed to it, a CORS preflight (OPTIONS with "
            "Access-Control-Request-Method) included: 401; FastAPI apps answer preflights in CORSMiddleware before routing"
        ),
    }

    def layer(self, policy: JwtPolicy) -> Guard:
        return protect(policy)

    def token_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        """fastapi-users refuses a token without `aud` (JWTStrategy always checks one): its own default, where the case has none."""
        return claims if "aud" in claims else {**claims, "aud": DEFAULT_AUDIENCE}


SUBJECTS: list[type[Subject]] = [FastAPIUsersJwt]
