"""Starlette session subjects: Starlette's own `SessionMiddleware`, and starsessions with two stores.

Each is a pure ASGI middleware declared first in `Starlette(middleware=[...])` and configured from
the neutral `SessionPolicy`; handlers reach the session as a Starlette user does, through
`request.session` (starsessions: after `await load_session(request)`). Both read the wall clock
(itsdangerous' `TimestampSigner`, `time.time()`), which time-machine moves for the lifetime cases;
Redis keys are aged with it (`redis_client`).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request

from ..outcomes import NotApplicable
from ..reference.session import SessionPolicy
from .base import Subject
from .features import SessionSubject
from .session import redis_client, require


def always_http_only(package: str, policy: SessionPolicy) -> None:
    """NotApplicable for the cookie flags `package` always sends (HttpOnly and a SameSite)."""
    if not policy.http_only:
        raise NotApplicable(f"{package} always sends HttpOnly (no option to let scripts read the cookie)")
    if policy.same_site is None:
        raise NotApplicable(f"{package} always sends a SameSite attribute (no option to leave it out)")


UNCHECKED_SIZE = "{} sends a session cookie of any size without a check; browsers drop it past 4096 bytes (RFC 6265bis §5.6)"
SAVED_ON_READ = (
    "SessionMiddleware.send_wrapper saves every loaded, non-empty session and sets its cookie on every response, "
    "a request that only read it included"
)
#: starsessions 2.2.1 session.py: a presented id is kept whatever the store found under it.
ADOPTS = (
    "SessionHandler.save writes under `self.session_id or generate_session_id()`: the id the cookie presented, "
    "which the store never checks it issued, so {} is adopted as the new session's id (session fixation)"
)
#: rolling=True: each save (every response, reads included) gives the session a fresh lifetime.
READ_EXTENDS = "with rolling=True each response re-saves the session with a fresh lifetime, so a read extends it past max-age after its last write"


class StarletteSession(SessionSubject):
    name = "starlette/session"
    framework = "starlette"
    packages: tuple[str, ...] = ("starlette", "itsdangerous")
    description = "Starlette `SessionMiddleware`: the session as base64 JSON in a cookie signed with itsdangerous' TimestampSigner"
    known = {"size.over-4096-bytes": UNCHECKED_SIZE.format("Starlette's SessionMiddleware")}

    def layer(self, policy: SessionPolicy) -> Middleware:
        from starlette.middleware.sessions import SessionMiddleware

        always_http_only("Starlette's SessionMiddleware", policy)
        same_site: Any = (policy.same_site or "lax").lower()  # always_http_only refused None
        return Middleware(
            SessionMiddleware,
            secret_key=secrets.token_urlsafe(32),
            session_cookie=policy.cookie_name,
            max_age=policy.max_age,
            path=policy.path,
            same_site=same_site,
            https_only=policy.secure,
            domain=policy.domain,
        )

    def session(self, request: Request) -> MutableMapping[str, Any]:
        return request.session


class Starsessions(SessionSubject):
    """starsessions' `SessionMiddleware` with one of its stores; login regenerates the id."""

    framework = "starlette"
    packages: tuple[str, ...] = ("starlette", "starsessions", "itsdangerous")
    known: dict[str, str] = {}

    @asynccontextmanager
    async def store(self) -> AsyncIterator[Any]:
        """The starsessions store for one served app."""
        yield require("starsessions", "starlette").CookieStore(secret_key=secrets.token_urlsafe(32))

    @asynccontextmanager
    async def layer(self, policy: SessionPolicy) -> AsyncIterator[Middleware]:
        starsessions = require("starsessions", "starlette")
        always_http_only("starsessions", policy)
        async with self.store() as store:
            yield Middleware(
                starsessions.SessionMiddleware,
                store=store,
                lifetime=policy.max_age,
                # The policy's session lives max_age after its last write; rolling is starsessions'
                # sliding lifetime (max_age after each response), the closer of its two strategies.
                rolling=True,
                cookie_name=policy.cookie_name,
                cookie_same_site=(policy.same_site or "lax").lower(),
                cookie_https_only=policy.secure,
                cookie_domain=policy.domain,
                cookie_path=policy.path,
            )

    async def session(self, request: Request) -> MutableMapping[str, Any]:
        starsessions = require("starsessions", "starlette")
        if not starsessions.is_loaded(request):
            await starsessions.load_session(request)
        return request.session

    async def rotate(self, request: Request) -> MutableMapping[str, Any]:
        session = await self.session(request)
        require("starsessions", "starlette").regenerate_session_id(request)
        session.clear()
        return session


class StarsessionsCookie(Starsessions):
    name = "starlette/starsessions-cookie"
    description = "starsessions `SessionMiddleware(store=CookieStore(secret))`: the session as signed base64 JSON in the cookie"
    known = {
        "size.over-4096-bytes": UNCHECKED_SIZE.format("starsessions' CookieStore"),
        "save.read-only-request-sends-no-cookie": SAVED_ON_READ,
        "lifetime.read-within-max-age-does-not-extend": READ_EXTENDS + " (the cookie's TimestampSigner stamp is renewed)",
        "machine.sequence": READ_EXTENDS + " (the cookie's TimestampSigner stamp is renewed); shrunk to: write, wait, read, wait, read",
    }


class StarsessionsRedis(Starsessions):
    name = "starlette/starsessions-redis"
    description = "starsessions `SessionMiddleware(store=RedisStore(connection=...))`: the session in Redis under a random id held by the cookie"
    capabilities = frozenset({"server-store"})
    packages: tuple[str, ...] = ("starlette", "starsessions", "redis")
    known = {
        "save.read-only-request-sends-no-cookie": SAVED_ON_READ,
        "lifetime.read-within-max-age-does-not-extend": READ_EXTENDS + " (the Redis TTL is reset)",
        "fixation.unknown-id-not-adopted": ADOPTS.format("an id the server never issued"),
        "fixation.logged-out-id-not-adopted": ADOPTS.format("an id ended by logout"),
        **{f"integrity.{row}": ADOPTS.format("a tampered cookie") for row in ("4k-junk", "garbage", "one-character-changed", "truncated")},
        "machine.sequence": ADOPTS.format("a replayed cookie") + "; shrunk to: login, read, wait, replay, wait, write",
        "concurrency.writers-of-different-keys-all-kept": (
            "RedisStore.write SETs the request's whole session over the record (last writer wins), so concurrent "
            "requests writing different keys lose every write but the last one saved"
        ),
    }

    @asynccontextmanager
    async def store(self) -> AsyncIterator[Any]:
        stores = require("starsessions.stores.redis", "starlette")
        async with redis_client() as client:
            yield stores.RedisStore(connection=client, prefix=f"mwc:{secrets.token_hex(8)}:")


SUBJECTS: list[type[Subject]] = [StarletteSession, StarsessionsCookie, StarsessionsRedis]
