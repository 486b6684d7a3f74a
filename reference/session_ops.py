"""Session handlers: what each `SessionAction` does, written once for every framework and package.

A subject wraps its session API (the reference `Session`, aiohttp-session's `get_session` /
`new_session`, sanic-session's `request.ctx.session`) in a small `SessionAPI`, and its handler
calls `apply` before the scenario's delay or raise and `render` after them. So an action means
the same everywhere, and a difference in what the client sees is a difference in the session
middleware, never in the handler.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, MutableMapping
from typing import Any, Protocol

from .http import Headers, Request, Response
from .pipeline import Endpoint
from .probes import Recorder, ReferenceIO, handler_phase
from .scenario import Handler, SessionAction
from .session import Session

SET_HEADER = "x-mwc-session-set"  # `key=value` a `set` handler stores
USER_HEADER = "x-mwc-user"  # the user a `login` handler stores (default "alice")
FILL_KEY = "fill"


class SessionAPI(Protocol):
    """The three session operations handlers need."""

    async def data(self) -> MutableMapping[str, Any]:
        """The request's session mapping (loaded or new)."""

    async def rotate(self) -> MutableMapping[str, Any]:
        """Give the session a fresh id (login); the mapping to write to from now on."""

    async def invalidate(self) -> None:
        """End the session (logout)."""


async def apply(action: SessionAction, api: SessionAPI, header: Callable[[str], str | None]) -> MutableMapping[str, Any]:
    """Perform the writes of `action`; the session mapping the handler answers from.

    Raises ValueError when a `set` request carries no `key=value` in its x-mwc-session-set header.
    """
    if action.kind == "login":
        session = await api.rotate()
        session["user"] = header(USER_HEADER) or "alice"
        return session
    if action.kind == "logout":
        await api.invalidate()
        return await api.data()
    session = await api.data()
    if action.kind == "count":
        session["counter"] = session.get("counter", 0) + 1
    elif action.kind == "set":
        key, sep, value = (header(SET_HEADER) or "").partition("=")
        if not sep:
            raise ValueError(f"a `set` session handler needs request header {SET_HEADER}: key=value")
        session[key] = value
    elif action.kind == "fill":
        # Random, so no storage can compress it below the cookie limit (itsdangerous compresses).
        session[FILL_KEY] = secrets.token_urlsafe(action.size)[: action.size]
    return session


def render(action: SessionAction, session: MutableMapping[str, Any]) -> tuple[str, bytes]:
    """(content type, body): `Counter: N` for `count` (seed 000), else the session as JSON."""
    if action.kind == "count":
        return "text/plain", f"Counter: {session.get('counter')}".encode()
    return "application/json", json.dumps({"session": dict(session)}, sort_keys=True).encode()


class ReferenceSessionAPI:
    """`SessionAPI` over the reference `Session` (any framework the reference manager runs on)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def data(self) -> MutableMapping[str, Any]:
        return self.session

    async def rotate(self) -> MutableMapping[str, Any]:
        self.session.rotate()
        return self.session

    async def invalidate(self) -> None:
        self.session.invalidate()


def reference_session_endpoint(handler: Handler, recorder: Recorder, session_of: Callable[[Request], SessionAPI]) -> Endpoint:
    """A reference-pipeline endpoint for a session handler, reaching the session through `session_of`."""
    if handler.session is None:
        raise ValueError("reference_session_endpoint needs a Handler with a session action")
    action = handler.session

    async def endpoint(request: Request) -> Response:
        session = await apply(action, session_of(request), request.headers.get)
        await handler_phase(handler, ReferenceIO(request), recorder.sink(request.headers))
        content_type, body = render(action, session)
        return Response(handler.status, Headers([("content-type", content_type), *handler.headers]), body)

    return endpoint
