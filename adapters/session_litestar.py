"""Litestar's session middleware, client-side and server-side, configured from the `SessionPolicy`.

Used the way Litestar's docs show: `Litestar(middleware=[config.middleware])`, the session as
`request.session` (a dict), `request.clear_session()` to log out. Litestar has no API to give a
session a new id, so login keeps the default (empty the session; the id stays). Both backends
read the wall clock or count on Redis TTLs, which the session clock moves (adapters/session_clock.py).

- `litestar/session-cookie`: `CookieBackendConfig`, the session AES-GCM encrypted in the cookie.
- `litestar/session-redis`: `ServerSideSessionConfig` with `litestar.stores.redis.RedisStore` on the
  run's Redis (the cookie holds only the id), registered as the app's `sessions` store.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request
from litestar.types import Empty

from ..outcomes import NotApplicable
from ..reference.session import SessionPolicy
from .base import Setup, Subject
from .features import SessionSubject
from .session import redis_client, require


def cookie_options(policy: SessionPolicy) -> dict[str, Any]:
    """The cookie keyword arguments both of Litestar's session configs take, from `policy`."""
    if policy.same_site is None:
        raise NotApplicable("Litestar's session cookie always carries SameSite (samesite takes 'lax', 'strict' or 'none')")
    return {
        "key": policy.cookie_name,
        "max_age": policy.max_age,
        "path": policy.path,
        "domain": policy.domain,
        "secure": policy.secure,
        "httponly": policy.http_only,
        "samesite": policy.same_site.lower(),
    }


#: Litestar 2.25's `store_in_message` of either backend (litestar/middleware/session/).
RESENT = "store_in_message stores the session again with a fresh lifetime and sends its cookie on every response that has one, reads included"


def install(config: Any, stores: dict[str, Any] | None = None) -> Setup:
    """The session middleware in the app's middleware list (and its store, if any), as Litestar's docs write it."""

    def fill(options: dict[str, Any]) -> None:
        options["middleware"].append(config.middleware)
        if stores:
            options["stores"] = stores

    return Setup(fill)


class LitestarSession(SessionSubject):
    """Litestar's `SessionMiddleware` with one backend; `session(request)` is `request.session`."""

    framework = "litestar"
    packages: tuple[str, ...] = ("litestar", "cryptography")

    def session(self, request: Request) -> MutableMapping[str, Any]:
        # After request.clear_session() the scope holds Empty until the response deletes the
        # session; what the handler reads then is an empty session.
        if request.scope.get("session") is Empty:
            return {}
        session: MutableMapping[str, Any] = request.session
        return session

    async def logout(self, request: Request) -> None:
        request.clear_session()


class LitestarSessionCookie(LitestarSession):
    name = "litestar/session-cookie"
    description = "Litestar `CookieBackendConfig(secret=..., key=..., ...)`: the session AES-GCM encrypted in the cookie"
    known = {
        "save.read-only-request-sends-no-cookie": RESENT + " (re-encrypted with a new expires_at)",
        "lifetime.read-within-max-age-does-not-extend": RESENT + " (re-encrypted with a new expires_at), so every read extends it",
        "logout.deletes-cookie": (
            "clear_session ends with Set-Cookie: mwc_session=null; expires=<the moment of the response>: Cookie(expires=0) goes "
            "through SimpleCookie, which reads a number as seconds from now, not the epoch; a browser whose clock runs behind "
            "the server's keeps the cookie until then"
        ),
        "size.over-4096-bytes": (
            "a session past 4 KB is split into several cookies (mwc_session-0, mwc_session-1, ...; CookieBackendConfig.key docs), "
            "each under 4096 bytes, instead of being refused: the response carries no cookie of the configured name"
        ),
        "machine.sequence": (
            "load_data json-decodes the cookie's plaintext tail (the expires_at it authenticates) before decrypting, and "
            "load_from_connection suppresses only InvalidTag and binascii.Error: a cookie whose last character is changed "
            "raises msgspec's DecodeError, a 500"
        ),
    }

    def layer(self, policy: SessionPolicy) -> Setup:
        from litestar.middleware.session.client_side import CookieBackendConfig

        return install(CookieBackendConfig(secret=secrets.token_bytes(32), **cookie_options(policy)))


class LitestarSessionRedis(LitestarSession):
    name = "litestar/session-redis"
    description = "Litestar `ServerSideSessionConfig` with `RedisStore` as the app's `sessions` store: the cookie holds the id"
    capabilities = frozenset({"server-store"})
    packages: tuple[str, ...] = ("litestar", "redis")
    _adopted = (
        "ServerSideSessionBackend.get_session_id takes whatever the cookie holds as the session id, and store_in_message "
        "stores the session under it and sends it back"
    )
    _no_rotation = "Litestar has no API to give a session a new id (get_session_id reads the cookie first): login keeps the id"
    known = {
        **dict.fromkeys(
            (
                "integrity.one-character-changed",
                "integrity.truncated",
                "integrity.garbage",
                "integrity.4k-junk",
                "fixation.unknown-id-not-adopted",
                "fixation.logged-out-id-not-adopted",
            ),
            _adopted,
        ),
        "fixation.login-rotates-id": _no_rotation,
        "machine.sequence": _no_rotation,
        "save.read-only-request-sends-no-cookie": RESENT,
        "lifetime.read-within-max-age-does-not-extend": RESENT + ", so every read extends it",
        "save.anonymous-read-sends-no-cookie": (
            "store_in_message stores every session but the Empty one clear_session leaves, an empty dict included: an anonymous "
            "read gets a new id, a Redis record and a cookie"
        ),
        "logout.deletes-cookie": (
            "clear_session ends with Set-Cookie: mwc_session=null; expires=<now>; Max-Age=<max_age> (the config's cookie "
            "parameters, max_age included), and Max-Age takes precedence over Expires (RFC 6265 §5.3 step 3): the browser keeps "
            "the cookie 'null' for max_age"
        ),
        "concurrency.writers-of-different-keys-all-kept": (
            "store_in_message SETs the request's whole session over the Redis record (last writer wins), so concurrent requests "
            "writing different keys lose every write but the last one saved"
        ),
    }

    @asynccontextmanager
    async def layer(self, policy: SessionPolicy) -> AsyncIterator[Setup]:
        from litestar.middleware.session.server_side import ServerSideSessionConfig

        require("redis.asyncio", "session")
        from litestar.stores.redis import RedisStore

        config = ServerSideSessionConfig(**cookie_options(policy))
        async with redis_client() as client:
            # Its own namespace per served app; the client is ours to close (handle_client_shutdown=False).
            yield install(config, {config.store: RedisStore(client, namespace=f"mwc-{secrets.token_hex(8)}")})


SUBJECTS: list[type[Subject]] = [LitestarSessionCookie, LitestarSessionRedis]
