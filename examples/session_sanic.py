"""A signed-cookie session middleware for Sanic, its mwconform binding, and a copy with one planted bug.

    pytest --pyargs mwconform.suites.session --mwc-subject examples.session_sanic:subject
"""

from __future__ import annotations

import logging

from sanic import HTTPResponse, Request, Sanic, text

from examples.session_rules import SessionTooLarge, SignedCookieSessions, sessions_for
from mwconform.adapters.base import Setup
from mwconform.adapters.features import SessionSubject


def setup_sessions(app: Sanic, sessions: SignedCookieSessions) -> None:
    """Handlers read and write `request.ctx.session`; it is sent back only when changed, errors included."""

    @app.on_request
    async def load(request: Request) -> None:
        request.ctx.session = sessions.load(request.cookies.get(sessions.cookie_name))

    @app.on_response
    async def save(request: Request, response: HTTPResponse) -> HTTPResponse | None:
        if not hasattr(request.ctx, "session"):
            return None  # answered before our request hook ran
        try:
            header = sessions.set_cookie(request.ctx.session, sessions.cookie_name in request.cookies)
        except SessionTooLarge:
            # Sanic drops what a response hook raises and sends the response as it was: answer the error ourselves.
            logging.getLogger(__name__).exception("session not saved")
            return text("500: the session could not be saved", status=500)
        if header is not None:
            response.headers.add("Set-Cookie", header)
        return None


subject = SessionSubject("examples/session-sanic", "sanic", lambda policy: Setup(lambda app: setup_sessions(app, sessions_for(policy))),
                         session=lambda request: request.ctx.session)


class KeepsCookieOnLogout(SignedCookieSessions):
    """The planted bug: an emptied session sends nothing, so the browser keeps its logged-in cookie."""

    def delete_cookie(self) -> str | None:
        return None


broken = SessionSubject("examples/session-sanic-broken", "sanic",
                        lambda policy: Setup(lambda app: setup_sessions(app, sessions_for(policy, KeepsCookieOnLogout))),
                        session=lambda request: request.ctx.session)
