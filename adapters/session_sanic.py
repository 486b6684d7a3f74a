"""Sanic session subjects: the reference session middleware as Sanic hooks, and sanic-session.

sanic-session (0.8.0, its last release) is configured from the neutral `SessionPolicy` (it has no
cookie path option) and used as its README shows: `Session(app, interface=...)` and
`request.ctx.session`. It has no API to give a session a new id, so its login can only clear
the session; it reads the wall clock, which time-machine moves for the lifetime cases.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from sanic import HTTPResponse, Request, Sanic
from sanic.response import BaseHTTPResponse, text

from ..outcomes import NotApplicable
from ..reference.session import Session, SessionManager, SessionPolicy
from .base import Setup, Subject
from .features import SessionSubject
from .session import ReferenceSession, require

log = logging.getLogger("mwconform.session")


def reference_hooks(manager: SessionManager) -> Setup:
    """The reference session manager as a Sanic request middleware (load) and response middleware (commit)."""

    async def load_session(request: Request) -> None:
        request.ctx.mwc_session = await manager.load(request.headers.get("cookie"))

    async def save_session(request: Request, response: BaseHTTPResponse) -> HTTPResponse | None:
        session = getattr(request.ctx, "mwc_session", None)
        if session is None:
            return None
        try:
            header = await manager.commit(session)
        except Exception:
            # Sanic logs and drops an exception raised in response middleware and sends the
            # response as it was (sanic#1928): a session that cannot be saved must fail loudly.
            log.exception("session not saved")
            return text("500: the session could not be saved", status=500)
        if header is not None:
            response.headers.add("set-cookie", header)
        return None

    def install(app: Sanic) -> None:
        app.register_middleware(load_session, "request")
        app.register_middleware(save_session, "response")

    return Setup(install)


class SanicReferenceCookie(ReferenceSession):
    name = "sanic/reference-cookie"
    framework = "sanic"
    storage = "signed"
    description = "the reference session middleware as Sanic request/response middleware; cookie signed with itsdangerous"
    packages: tuple[str, ...] = ("sanic", "itsdangerous")

    def middleware(self, manager: SessionManager) -> Setup:
        return reference_hooks(manager)

    def current(self, request: Request) -> Session:
        session: Session = request.ctx.mwc_session
        return session


class SanicReferenceRedis(SanicReferenceCookie):
    name = "sanic/reference-redis"
    storage = "redis"
    description = "the reference session middleware as Sanic request/response middleware; Redis server-side store"
    packages: tuple[str, ...] = ("sanic", "redis")


#: Why sanic-session 0.8.0 sends no cookie on Sanic 25 (sanic_session/base.py `_set_cookie_props`).
NO_COOKIE = (
    "sanic-session 0.8.0 sets its cookie with response.cookies[name] = sid, which Sanic 25's CookieJar rejects "
    "(TypeError, swallowed by Sanic in response middleware): no session cookie is ever sent"
)


class SanicSessionPackage(SessionSubject):
    name = "sanic/sanic-session"
    framework = "sanic"
    description = "sanic-session InMemorySessionInterface (its Redis interfaces need aioredis or asyncio_redis)"
    capabilities = frozenset({"server-store"})
    packages: tuple[str, ...] = ("sanic", "sanic-session")
    known = {
        **{
            case: NO_COOKIE
            for case in (
                "attributes.default-policy",
                "attributes.host-prefix-strict",
                "attributes.script-readable-no-samesite",
                "concurrency.fifty-requests-one-session",
                "expiry.replayed-after-max-age",
                "integrity.4k-junk",
                "integrity.empty-value",
                "integrity.garbage",
                "integrity.one-character-changed",
                "integrity.truncated",
                "logout.deletes-cookie",
                "logout.server-record-gone",
                "machine.sequence",
                "persist.seed-000-counter",
                "save.on-http-exception",
                "save.read-only-request-sends-no-cookie",
                "size.over-4096-bytes",
            )
        },
        "fixation.login-rotates-id": "sanic-session has no API to give a session a new id (login can only clear it); " + NO_COOKIE,
        **{
            case: NO_COOKIE
            for case in ("lifetime.write-within-max-age-extends", "logout.every-key-gone", "tossing.two-cookies-of-one-name")
        },
        "lifetime.read-within-max-age-does-not-extend": NO_COOKIE + (
            "; and save() stores the session again (a new expiry) after every request that holds one, reads included"
        ),
        "ids.sixty-four-new-sessions": NO_COOKIE + "; its ids are uuid.uuid4().hex, 122 random bits (under 128)",
        "fixation.logged-out-id-not-adopted": NO_COOKIE + "; and open() adopts any presented id (see fixation.unknown-id-not-adopted)",
        "concurrency.writers-of-different-keys-all-kept": NO_COOKIE + (
            "; and open() builds a fresh SessionDict from the stored JSON for each request while save() stores it whole, "
            "so concurrent writers would lose each other's keys"
        ),
        "fixation.unknown-id-not-adopted": (
            "sanic-session adopts any presented id: open() makes SessionDict(sid=<cookie value>) when the store has no "
            "record, and save() stores the session under it"
        ),
    }

    def layer(self, policy: SessionPolicy) -> Setup:
        sanic_session = require("sanic_session", "sanic-session")
        if policy.path != "/":
            raise NotApplicable(f"sanic-session has no cookie path option, so it cannot send Path={policy.path}")
        interface = sanic_session.InMemorySessionInterface(
            cookie_name=policy.cookie_name,
            domain=policy.domain,
            expiry=policy.max_age,
            httponly=policy.http_only,
            samesite=policy.same_site,
            secure=policy.secure,
        )
        return Setup(lambda app: sanic_session.Session(app, interface=interface))

    def session(self, request: Request) -> MutableMapping[str, Any]:
        # sanic-session has no way to issue a new id: login and logout keep the defaults (empty the dict).
        session: MutableMapping[str, Any] = request.ctx.session
        return session


SUBJECTS: list[type[Subject]] = [SanicReferenceCookie, SanicReferenceRedis, SanicSessionPackage]
