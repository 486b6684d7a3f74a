"""A JWT bearer middleware for aiohttp, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.jwt --mwc-subject examples.jwt_aiohttp:subject
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from aiohttp import web

from examples.jwt_rules import BearerAuth, Refused, auth_for
from mwconform.adapters.features import JwtSubject, accepted

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def jwt_middleware(auth: BearerAuth) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Authenticates every request but public paths and preflights; the claims go to `request["claims"]`."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if auth.exempt(request.method, request.path, request.headers):
            return await handler(request)
        try:
            request["claims"] = auth.authenticate(request.headers.getall("Authorization", []))
        except Refused as refused:
            return web.Response(status=refused.status, headers={"WWW-Authenticate": refused.challenge})
        accepted(request, request["claims"])  # tells the suite whom this request was accepted for
        return await handler(request)

    return authenticate


subject = JwtSubject("examples/jwt-aiohttp", "aiohttp", lambda policy: jwt_middleware(auth_for(policy)))


class TrustsTokenAlg(BearerAuth):
    """The planted bug: the algorithm is taken from the token's own header."""

    def decode(self, token: str) -> dict[str, Any]:
        alg: str = jwt.get_unverified_header(token).get("alg", "")
        return jwt.decode(token, self.key, algorithms=[alg], audience=self.audience, issuer=self.issuer,
                          leeway=self.leeway, options={"require": list(self.required)})


broken = JwtSubject("examples/jwt-aiohttp-broken", "aiohttp", lambda policy: jwt_middleware(auth_for(policy, TrustsTokenAlg)))
