"""A CORS middleware for aiohttp, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.cors --mwc-subject examples.cors_aiohttp:subject
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from examples.cors_rules import CorsRules, is_preflight, rules_for
from mwconform.adapters.base import Setup
from mwconform.adapters.features import CorsSubject

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_cors(app: web.Application, rules: CorsRules) -> None:
    """Call before adding other middleware: preflights are answered outermost, every other response
    (streamed ones, errors, 404 and 405 included) gets its CORS headers as aiohttp prepares it."""

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_preflight(request.method, request.headers):
            asked = request.headers.get("Access-Control-Request-Headers", "")
            approved = rules.preflight(request.headers["Origin"], request.headers["Access-Control-Request-Method"], asked)
            answer = web.Response(status=403 if approved is None else 204, headers=approved)
            rules.decorate_preflight(answer.headers)
            return answer
        try:
            return await handler(request)
        except web.HTTPException:  # 404, 405 and the handler's own HTTP errors: decorated when prepared
            raise
        except Exception:  # aiohttp would answer this 500 itself, after every middleware
            logging.getLogger(__name__).exception("unhandled error")
            return web.Response(status=500, text="500 Internal Server Error")

    async def decorate(request: web.Request, response: web.StreamResponse) -> None:
        if not is_preflight(request.method, request.headers):
            rules.decorate(response.headers, request.headers.get("Origin"))

    app.middlewares.append(cors)
    app.on_response_prepare.append(decorate)


subject = CorsSubject("examples/cors-aiohttp", "aiohttp", lambda policy: Setup(lambda app: setup_cors(app, rules_for(policy))))


class OverwritesVary(CorsRules):
    """The planted bug: `Vary: Origin` replaces the handler's Vary instead of joining it."""

    def vary(self, current: list[str]) -> str | None:
        return None if self.origins is None else "Origin"


broken = CorsSubject("examples/cors-aiohttp-broken", "aiohttp", lambda policy: Setup(lambda app: setup_cors(app, rules_for(policy, OverwritesVary))))
