"""A JWT bearer middleware for Sanic, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.jwt --mwc-subject examples.jwt_sanic:subject
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from sanic import HTTPResponse, Request, empty

from examples.jwt_rules import BearerAuth, Refused, auth_for
from mwconform.adapters.features import JwtSubject, accepted


def jwt_middleware(auth: BearerAuth) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    """A request middleware (`app.on_request`): answers refusals, puts the claims in `request.ctx.claims`."""

    async def authenticate(request: Request) -> HTTPResponse | None:
        if auth.exempt(request.method, request.path, request.headers):
            return None
        try:
            request.ctx.claims = auth.authenticate(request.headers.getall("Authorization", []))
        except Refused as refused:
            return empty(status=refused.status, headers={"WWW-Authenticate": refused.challenge})
        accepted(request, request.ctx.claims)  # tells the suite whom this request was accepted for
        return None

    return authenticate


subject = JwtSubject("examples/jwt-sanic", "sanic", lambda policy: jwt_middleware(auth_for(policy)))


class SkipsExp(BearerAuth):
    """The planted bug: expired tokens are accepted (`verify_exp` switched off)."""

    def decode(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, self.key, algorithms=list(self.algorithms), audience=self.audience, issuer=self.issuer,
                          leeway=self.leeway, options={"require": list(self.required), "verify_exp": False})


broken = JwtSubject("examples/jwt-sanic-broken", "sanic", lambda policy: jwt_middleware(auth_for(policy, SkipsExp)))
