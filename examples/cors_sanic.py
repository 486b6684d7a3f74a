"""A CORS middleware for Sanic, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.cors --mwc-subject examples.cors_sanic:subject
"""

from __future__ import annotations

from sanic import HTTPResponse, Request, Sanic, empty

from examples.cors_rules import CorsRules, is_preflight, rules_for
from mwconform.adapters.base import Setup
from mwconform.adapters.features import CorsSubject


def setup_cors(app: Sanic, rules: CorsRules) -> None:
    """Call before any other middleware: Sanic runs the first request hook first and its response hook last."""

    @app.on_request
    async def answer_preflight(request: Request) -> HTTPResponse | None:
        if not is_preflight(request.method, request.headers):
            return None
        asked = request.headers.get("Access-Control-Request-Headers", "")
        approved = rules.preflight(request.headers["Origin"], request.headers["Access-Control-Request-Method"], asked)
        answer = empty(status=403 if approved is None else 204, headers=approved)
        rules.decorate_preflight(answer.headers)
        return answer

    @app.on_response
    async def decorate(request: Request, response: HTTPResponse) -> None:
        # Sanic runs response hooks on every response: the handler's, errors, 404, 405 and our preflights.
        if not is_preflight(request.method, request.headers):
            rules.decorate(response.headers, request.headers.get("Origin"))


subject = CorsSubject("examples/cors-sanic", "sanic", lambda policy: Setup(lambda app: setup_cors(app, rules_for(policy))))


class PrefixMatch(CorsRules):
    """The planted bug: an origin is allowed when it starts with an allowed one."""

    def allows(self, origin: str | None) -> bool:
        return self.origins is None or any(str(origin).startswith(o) for o in self.origins)


broken = CorsSubject("examples/cors-sanic-broken", "sanic", lambda policy: Setup(lambda app: setup_cors(app, rules_for(policy, PrefixMatch))))
