"""A CORS middleware for aiohttp, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.cors --mwc-subject examples.cors_aiohttp:subject
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from examples.cors_rules import CorsRules, rules_for
from mwconform.adapters.features import CorsSubject

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cors_middleware(rules: CorsRules) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Put it first in `app.middlewares`: it answers preflights and decorates every other response."""

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            asked = request.headers.get("Access-Control-Request-Headers", "")
            approved = rules.preflight(origin, request.headers["Access-Control-Request-Method"], asked)
            answer = web.Response(status=403 if approved is None else 204, headers=approved)
            rules.decorate_preflight(answer.headers)
            return answer
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # 404, 405 and the handler's own HTTP errors
            rules.decorate(exc.headers, origin)
            raise
        except Exception:  # aiohttp would answer this 500 outside every middleware, without CORS headers
            logging.getLogger(__name__).exception("unhandled error")
            response = web.Response(status=500, text="500 Internal Server Error")
        rules.decorate(response.headers, origin)
        return response

    return cors


subject = CorsSubject("examples/cors-aiohttp", "aiohttp", lambda policy: cors_middleware(rules_for(policy)))


class OverwritesVary(CorsRules):
    """The planted bug: `Vary: Origin` replaces the handler's Vary instead of joining it."""

    def vary(self, current: list[str]) -> str | None:
        return None if self.origins is None else "Origin"


broken = CorsSubject("examples/cors-aiohttp-broken", "aiohttp", lambda policy: cors_middleware(rules_for(policy, OverwritesVary)))
