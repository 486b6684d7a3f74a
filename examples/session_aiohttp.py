"""A signed-cookie session middleware for aiohttp, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.session --mwc-subject examples.session_aiohttp:subject
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from examples.session_rules import SignedCookieSessions, sessions_for
from mwconform.adapters.features import SessionSubject

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_middleware(sessions: SignedCookieSessions) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Handlers read and write `request["session"]`; it is sent back only when changed, HTTP errors included."""

    @web.middleware
    async def session_layer(request: web.Request, handler: Handler) -> web.StreamResponse:
        presented = request.cookies.get(sessions.cookie_name)
        session = request["session"] = sessions.load(presented)

        def save(response: web.StreamResponse) -> None:  # SessionTooLarge propagates: aiohttp answers 500
            header = sessions.set_cookie(session, presented is not None)
            if header is not None:
                response.headers.add("Set-Cookie", header)

        try:
            response = await handler(request)
        except web.HTTPException as exc:
            save(exc)
            raise
        save(response)
        return response

    return session_layer


subject = SessionSubject("examples/session-aiohttp", "aiohttp", lambda policy: session_middleware(sessions_for(policy)),
                         session=lambda request: request["session"])


class NoExpiry(SignedCookieSessions):
    """The planted bug: the signature is checked, its age is not, so an old cookie lives forever."""

    def verify(self, value: str) -> dict[str, Any]:
        data: dict[str, Any] = self.serializer.loads(value)
        return data


broken = SessionSubject("examples/session-aiohttp-broken", "aiohttp", lambda policy: session_middleware(sessions_for(policy, NoExpiry)),
                        session=lambda request: request["session"])
