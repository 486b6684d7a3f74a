"""A JWT library that accepts only tokens it issued, graded through a token minter (`token_claims`).

Its middleware verifies a token as `examples/jwt_aiohttp.py` does and then demands two claims of
its own: a `jti` it recorded when it issued the token, and a `uid` it finds in its user table
under the token's `sub`. The suite's tokens carry neither, so without the minter every acceptance
case fails for the wrong reason and a bug that lets an attack token through hides behind the
refusal; tests/test_examples.py grades all three subjects below and shows both.
"""

from __future__ import annotations

import secrets
from typing import Any

import jwt

from examples.jwt_aiohttp import TrustsTokenAlg, jwt_middleware
from examples.jwt_rules import BearerAuth, auth_for
from mwconform.adapters.features import JwtSubject
from mwconform.outcomes import NotApplicable


class Issuer:
    """The library's own records: the token ids it issued and its user table (uid → user name)."""

    def __init__(self) -> None:
        self.issued: set[str] = set()
        self.users = {"u-1": "alice"}

    def token_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        """The minter: the case's claims plus a fresh recorded `jti` and the user's `uid`."""
        uid = next((uid for uid, name in self.users.items() if name == claims.get("sub")), None)
        if uid is None:
            raise NotApplicable(f"this library issues tokens only to users in its table, not to sub={claims.get('sub')!r}")
        jti = secrets.token_hex(16)
        self.issued.add(jti)
        return {**claims, "jti": jti, "uid": uid}

    def knows(self, claims: dict[str, Any]) -> bool:
        return claims.get("jti") in self.issued and self.users.get(str(claims.get("uid"))) == claims.get("sub")


ISSUER = Issuer()


class OwnTokens(BearerAuth):
    """Verifies the token, then refuses any token this library did not issue."""

    def decode(self, token: str) -> dict[str, Any]:
        claims = super().decode(token)
        if not ISSUER.knows(claims):
            raise jwt.InvalidTokenError("not a token this service issued")
        return claims


class OwnTokensTrustingAlg(OwnTokens, TrustsTokenAlg):
    """OwnTokens with the planted bug of examples/jwt_aiohttp.py: the algorithm comes from the token."""


subject = JwtSubject("tests/own-claims", "aiohttp", lambda policy: jwt_middleware(auth_for(policy, OwnTokens)), token_claims=ISSUER.token_claims)
broken = JwtSubject(
    "tests/own-claims-broken", "aiohttp", lambda policy: jwt_middleware(auth_for(policy, OwnTokensTrustingAlg)), token_claims=ISSUER.token_claims
)
#: The broken library graded without its minter: the suite's tokens lack its claims.
unminted = JwtSubject("tests/own-claims-broken-unminted", "aiohttp", lambda policy: jwt_middleware(auth_for(policy, OwnTokensTrustingAlg)))
