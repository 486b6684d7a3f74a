"""aiohttp session subjects: the reference session middleware, and aiohttp-session's three storages.

aiohttp-session (2.12) is configured from the neutral `SessionPolicy` (cookie name, max_age,
domain, path, secure, httponly, samesite map one to one) and used the way its README shows:
`setup(app, storage)`, `get_session`, `new_session` for login, `session.invalidate()` for logout.
It reads the wall clock, which time-machine moves for the lifetime cases (adapters/session_clock.py).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator, MutableMapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from aiohttp import web

from ..reference.session import Session, SessionManager, SessionPolicy
from .aiohttp import Middleware
from .base import Setup, Subject
from .features import SessionSubject
from .session import ReferenceSession, redis_client, require

_SESSION: Any = web.RequestKey("mwc_session", Session) if hasattr(web, "RequestKey") else "mwc_session"


def reference_middleware(manager: SessionManager) -> Middleware:
    """The reference session manager as an aiohttp middleware (saved on HTTP exceptions too)."""

    @web.middleware
    async def session_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        session = request[_SESSION] = await manager.load(request.headers.get("Cookie"))
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            header = await manager.commit(session)
            if header is not None:
                exc.headers.add("Set-Cookie", header)
            raise
        header = await manager.commit(session)
        if header is not None:
            response.headers.add("Set-Cookie", header)
        return response

    return session_middleware


class AiohttpReferenceCookie(ReferenceSession):
    name = "aiohttp/reference-cookie"
    framework = "aiohttp"
    storage = "signed"
    description = "the reference session middleware on aiohttp; cookie signed with itsdangerous"
    packages: tuple[str, ...] = ("aiohttp", "itsdangerous")

    def middleware(self, manager: SessionManager) -> Middleware:
        return reference_middleware(manager)

    def current(self, request: web.Request) -> Session:
        session: Session = request[_SESSION]
        return session


class AiohttpReferenceRedis(AiohttpReferenceCookie):
    name = "aiohttp/reference-redis"
    storage = "redis"
    description = "the reference session middleware on aiohttp; Redis server-side store"
    packages: tuple[str, ...] = ("aiohttp", "redis")


#: aiohttp-session 2.12.1 `AbstractStorage.save_cookie` sets whatever its storage encoded.
UNCHECKED_SIZE = "aiohttp-session sends a session cookie of any size without a check (save_cookie); browsers drop it past 4096 bytes (aiohttp-session#574)"
SIMPLE_UNDECODABLE = (
    "SimpleCookieStorage.load_session json-decodes the raw cookie with no error handling: an undecodable cookie raises "
    "and answers 500 (documented as 'for tests only')"
)


class AiohttpSessionPackage(SessionSubject):
    """aiohttp-session with one of its storages, configured from the policy."""

    framework = "aiohttp"
    packages: tuple[str, ...] = ("aiohttp", "aiohttp-session")

    @abstractmethod
    def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AbstractAsyncContextManager[Any]:
        """The package's storage object for one serve, built with these cookie parameters."""

    @asynccontextmanager
    async def layer(self, policy: SessionPolicy) -> AsyncIterator[Setup]:
        aiohttp_session = require("aiohttp_session", "aiohttp-session")
        params = {
            "cookie_name": policy.cookie_name,
            "domain": policy.domain,
            "max_age": policy.max_age,
            "path": policy.path,
            "secure": policy.secure,
            "httponly": policy.http_only,
            "samesite": policy.same_site,
        }
        async with self.open_storage(aiohttp_session, params) as storage:
            yield Setup(lambda app: aiohttp_session.setup(app, storage))

    async def session(self, request: web.Request) -> MutableMapping[str, Any]:
        session: MutableMapping[str, Any] = await require("aiohttp_session", "aiohttp-session").get_session(request)
        return session

    async def rotate(self, request: web.Request) -> MutableMapping[str, Any]:
        session: MutableMapping[str, Any] = await require("aiohttp_session", "aiohttp-session").new_session(request)
        return session

    async def logout(self, request: web.Request) -> None:
        (await require("aiohttp_session", "aiohttp-session").get_session(request)).invalidate()


class AiohttpSessionSimple(AiohttpSessionPackage):
    name = "aiohttp/aiohttp-session-simple"
    description = "aiohttp-session SimpleCookieStorage: the session as plain JSON in the cookie (documented as for tests only)"
    known = {
        **{
            f"attributes.{row}": (
                "SimpleCookieStorage puts raw JSON in the cookie; aiohttp quotes it with backslash escapes (\\\" and \\054), "
                "which are not RFC 6265bis cookie-octets"
            )
            for row in ("default-policy", "host-prefix-strict", "samesite-none-domain-path", "script-readable-no-samesite")
        },
        **{f"integrity.{row}": SIMPLE_UNDECODABLE for row in ("one-character-changed", "truncated", "garbage", "empty-value", "4k-junk")},
        "robust.hostile-cookie": SIMPLE_UNDECODABLE + "; e.g. Cookie: mwc_session=\"",
        "integrity.foreign-key": "SimpleCookieStorage is unsigned ('use it for tests only'): any well-formed JSON cookie is trusted",
        "logout.deletes-cookie": (
            "SimpleCookieStorage saves an invalidated session as the cookie '{}' with the full Max-Age: its encoded empty "
            "session is the non-empty string '{}', so save_cookie never takes its delete branch"
        ),
        "size.over-4096-bytes": UNCHECKED_SIZE,
        "machine.sequence": SIMPLE_UNDECODABLE + "; shrunk to: tamper: garbage (GET /read with cookie 'not.a.session~0!' → 500)",
    }

    @asynccontextmanager
    async def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AsyncIterator[Any]:
        yield aiohttp_session.SimpleCookieStorage(**params)


class AiohttpSessionEncrypted(AiohttpSessionPackage):
    name = "aiohttp/aiohttp-session-encrypted"
    description = "aiohttp-session EncryptedCookieStorage: the session encrypted with Fernet in the cookie"
    known = {
        "size.over-4096-bytes": UNCHECKED_SIZE,
        "robust.hostile-cookie": (
            "load_session calls cookie.encode('utf-8') and catches only InvalidToken; aiohttp hands an obs-text byte over "
            "surrogate-escaped, so Cookie: mwc_session=\\xe9 raises UnicodeEncodeError: 500"
        ),
    }
    packages: tuple[str, ...] = ("aiohttp", "aiohttp-session", "cryptography")

    @asynccontextmanager
    async def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AsyncIterator[Any]:
        fernet = require("cryptography.fernet", "aiohttp-session")
        cookie_storage = require("aiohttp_session.cookie_storage", "aiohttp-session")
        yield cookie_storage.EncryptedCookieStorage(fernet.Fernet(fernet.Fernet.generate_key()), **params)


class AiohttpSessionRedis(AiohttpSessionPackage):
    name = "aiohttp/aiohttp-session-redis"
    description = "aiohttp-session RedisStorage: the session in Redis under a uuid4 key held by the cookie"
    capabilities = frozenset({"server-store"})
    packages: tuple[str, ...] = ("aiohttp", "aiohttp-session", "redis")
    known = {
        "robust.hostile-cookie": (
            "load_session looks the raw cookie up as a Redis key; aiohttp hands an obs-text byte over surrogate-escaped and "
            "redis-py cannot encode it, so Cookie: mwc_session=\\xe9 raises UnicodeEncodeError: 500"
        ),
        "ids.sixty-four-new-sessions": (
            "RedisStorage's default key_factory is uuid.uuid4().hex: 122 random bits (the version nibble and two variant "
            "bits are fixed), under the 128 of OWASP ASVS 5.0 V7.2.3"
        ),
        "concurrency.writers-of-different-keys-all-kept": (
            "save_session SETs the request's whole session over the Redis record (last writer wins), so concurrent "
            "requests writing different keys lose every write but the last one saved"
        ),
    }

    @asynccontextmanager
    async def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AsyncIterator[Any]:
        redis_storage = require("aiohttp_session.redis_storage", "aiohttp-session")
        async with redis_client() as client:
            yield redis_storage.RedisStorage(client, **params)


SUBJECTS: list[type[Subject]] = [
    AiohttpReferenceCookie,
    AiohttpReferenceRedis,
    AiohttpSessionSimple,
    AiohttpSessionEncrypted,
    AiohttpSessionRedis,
]
